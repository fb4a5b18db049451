"""One trace runs from the api's request through the message to the worker's task and its SQL."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port
from tests import processes
from tests.factories import submit
from tests.observability.otlp_receiver import ReceivedSpan, otlp_receiver
from tests.paths import JOBS
from tests.processes import Running
from tests.waiting import job_reaches, until

pytestmark = pytest.mark.integration


def _otel_env(endpoint: str) -> dict[str, str]:
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # milliseconds: export promptly for the test
    }


def _task_trace(spans: list[ReceivedSpan]) -> list[ReceivedSpan] | None:
    runs = [s for s in spans if s.name == "run diag.echo" and s.service == "conveyor-worker"]
    if not runs:
        return None
    trace = [s for s in spans if s.trace_id == runs[0].trace_id]
    return (
        trace
        if any(
            s.attributes.get("db.system") == "postgresql"
            for s in trace
            if s.service == "conveyor-worker"
        )
        else None
    )


def test_one_trace_spans_the_api_request_the_message_and_the_worker_task(
    process_env: dict[str, str],
    logs_dir: Path,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    with otlp_receiver() as (endpoint, receiver):
        env = _otel_env(endpoint)
        api_port = free_port()
        api = processes.start("api", commands.api(api_port), {**process_env, **env}, logs_dir)
        try:
            api.wait_for_output("Application startup complete")
            worker = start_worker(
                queues="default", extra_env={**env, "CONVEYOR_METRICS_PORT": str(free_port())}
            )
            with httpx.Client(base_url=f"http://127.0.0.1:{api_port}") as http:
                job = submit(http, "diag.echo", auth=auth, message="t")
            done = job_reaches(sessions, job["id"], "succeeded")
            trace = until(
                lambda: _task_trace(receiver.snapshot()),
                what="the task trace",
            )
        finally:
            api.stop(signal.SIGTERM)
    by_id = {s.span_id: s for s in trace}
    run = next(s for s in trace if s.name == "run diag.echo")
    publish = by_id[run.parent_span_id]
    assert publish.name == "publish diag.echo"
    assert publish.service == "conveyor-api"
    request = by_id[publish.parent_span_id]
    assert request.service == "conveyor-api"
    assert request.name.startswith(f"POST {JOBS}")
    assert run.attributes["conveyor.job_id"] == job["id"]
    assert done.trace_id == run.trace_id  # the row remembers the trace that created it
    worker_sql = [
        s for s in trace if s.service == "conveyor-worker" and s.attributes.get("db.system")
    ]
    assert worker_sql
    assert all(_descends_from(s, run, by_id) for s in worker_sql)
    assert any(s.attributes.get("db.system") == "redis" for s in trace)
    assert {s.service for s in trace} == {"conveyor-api", "conveyor-worker"}
    # the worker's log lines about this job lead to the same trace
    lines = worker.log_events()
    about_job = [line for line in lines if line.get("job_id") == job["id"]]
    assert {"task started", "task succeeded"} <= {line["event"] for line in about_job}
    assert {line.get("trace_id") for line in about_job} == {run.trace_id}
    assert all(line.get("queue") == "default" and line.get("task_id") for line in about_job)


def _descends_from(
    span: ReceivedSpan, ancestor: ReceivedSpan, by_id: dict[str, ReceivedSpan]
) -> bool:
    while span.parent_span_id in by_id:
        span = by_id[span.parent_span_id]
        if span.span_id == ancestor.span_id:
            return True
    return False


def _item_statements(spans: list[ReceivedSpan], items: int) -> list[ReceivedSpan] | None:
    by_id = {s.span_id: s for s in spans}
    runs = [s for s in spans if s.name == "run diag.fanout" and s.parent_span_id in by_id]
    statements = [
        s
        for s in spans
        if "UPDATE job_items" in str(s.attributes.get("db.statement", ""))
        and any(_descends_from(s, run, by_id) for run in runs)
    ]
    return statements if len(runs) == items and len(statements) == 2 * items else None


def test_each_items_claim_and_outcome_are_statement_spans_of_its_task(
    client: TestClient,
    auth: dict[str, str],
    start_worker: Callable[..., Running],
    sessions: sessionmaker[Session],
) -> None:
    """Items claim and finish straight on the driver, past SQLAlchemy's events: still spans."""
    items = 3
    with otlp_receiver() as (endpoint, receiver):
        start_worker(
            queues="default",
            extra_env={**_otel_env(endpoint), "CONVEYOR_METRICS_PORT": str(free_port())},
        )
        job = submit(client, "diag.fanout", auth=auth, items=items)
        job_reaches(sessions, job["id"], "succeeded")
        statements = until(
            lambda: _item_statements(receiver.snapshot(), items), what="the items' statements"
        )
    assert {s.attributes["db.system"] for s in statements} == {"postgresql"}
    # a claim updates its item alone; an outcome moves the job's counters too (a CTE)
    operations = [s.attributes["db.operation"] for s in statements]
    assert sorted(operations) == ["UPDATE"] * items + ["WITH"] * items
    assert all(s.name.startswith(f"{s.attributes['db.operation']} ") for s in statements)
