"""The api's /metrics: request latency by route, queue gauges at zero workers, rows by status."""

from __future__ import annotations

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from conveyor_core.broker.queues import Queue
from tests.factories import submit
from tests.observability.scrape import Sample, value
from tests.paths import JOBS, JOBS_BATCH, job


def _samples(client: TestClient) -> list[Sample]:
    response = client.get("/metrics")
    assert response.status_code == 200
    return [
        (s.name, dict(s.labels), s.value)
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    ]


def test_every_configured_queue_reports_its_length_with_no_worker_running(
    client: TestClient, auth: dict[str, str]
) -> None:
    for n in range(3):
        submit(client, "diag.echo", auth=auth, message=str(n))
    samples = _samples(client)
    lengths = {have["queue_name"]: v for n, have, v in samples if n == "celery_queue_length"}
    assert lengths == {str(q): (3.0 if q is Queue.DEFAULT else 0.0) for q in Queue}
    workers = {have["queue_name"]: v for n, have, v in samples if n == "celery_active_worker_count"}
    assert workers == {str(q): 0.0 for q in Queue}
    assert value(samples, "conveyor_queue_in_flight", queue_name="default") == 0
    assert value(samples, "conveyor_jobs", queue="default", status="queued") == 3
    assert value(samples, "conveyor_jobs_created_total", kind="diag.echo", queue="default") >= 3
    assert value(samples, "celery_task_sent_total", name="diag.echo", queue_name="default") >= 3
    assert value(samples, "conveyor_broker_up") == 1


def test_request_latency_is_labelled_by_route_template_not_by_path(
    client: TestClient, auth: dict[str, str]
) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.get(job(missing), headers=auth).status_code == 404
    assert client.get("/no/such/path").status_code == 404
    samples = _samples(client)
    assert (
        value(
            samples,
            "conveyor_api_request_duration_seconds_count",
            method="GET",
            route=f"{JOBS}/{{job_id}}",
            status="404",
        )
        >= 1
    )
    assert value(samples, "conveyor_api_request_duration_seconds_count", route="unmatched") >= 1
    routes = {h["route"] for n, h, _ in samples if n.startswith("conveyor_api_request")}
    assert not any(missing in route for route in routes)


def test_jobs_created_counts_single_and_batch_creations_but_not_idempotent_replays(
    client: TestClient, auth: dict[str, str]
) -> None:
    before = value(_samples(client), "conveyor_jobs_created_total", kind="diag.sleep", queue="data")
    body = {"kind": "diag.sleep", "params": {"seconds": 1}, "queue": "data"}
    replay = {**auth, "Idempotency-Key": "metrics-once"}
    assert client.post(JOBS, json=body, headers=replay).status_code == 201
    assert client.post(JOBS, json=body, headers=replay).status_code == 200
    assert client.post(JOBS_BATCH, json={"jobs": [body] * 4}, headers=auth).status_code == 201
    after = value(_samples(client), "conveyor_jobs_created_total", kind="diag.sleep", queue="data")
    assert after - before == 5


def test_the_api_serves_only_the_families_it_updates(client: TestClient) -> None:
    text = client.get("/metrics").text
    families = {family.name for family in text_string_to_metric_families(text)}
    # the reconciler runs in a worker, tasks run in workers: the api would read 0 for ever
    assert not {name for name in families if name.startswith("conveyor_reconciler_")}
    assert "celery_task_received" not in families
    assert "conveyor_jobs_finished" not in families
    assert {"celery_task_sent", "conveyor_jobs_created"} <= families
