"""The api follows the configured queues: job validation, GET /queues, the queue metrics."""

from __future__ import annotations

import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.auth.keys import Scope
from conveyor_core.broker.queues import QueueSet, redis_keys
from conveyor_core.models import Job
from tests.factories import make_auth
from tests.paths import JOBS, QUEUES
from tests.queues.configured import CONFIGURED


def _job_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Job)) or 0


def test_a_job_on_a_configured_queue_is_stored_and_sent_to_that_queue(
    configured_client: TestClient,
    auth: dict[str, str],
    redis_client: redis.Redis,
) -> None:
    body = {"kind": "diag.echo", "params": {"message": "hi"}, "queue": "backfill_high"}
    response = configured_client.post(JOBS, json=body, headers=auth)
    assert response.status_code == 201, response.text
    assert response.json()["queue"] == "backfill_high"
    assert sum(int(redis_client.llen(key)) for key in redis_keys("backfill_high")) == 1


def test_a_queue_the_deployment_does_not_configure_is_refused_and_nothing_is_stored(
    configured_client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    body = {"kind": "diag.echo", "params": {"message": "hi"}, "queue": "backfill_low"}
    response = configured_client.post(JOBS, json=body, headers=auth)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unknown_queue"
    [detail] = error["details"]
    assert detail["loc"] == ["body", "queue"]
    assert "backfill_high" in detail["msg"]
    assert _job_count(sessions) == 0


def test_without_the_file_a_configured_queue_is_unknown(
    client: TestClient, auth: dict[str, str], sessions: sessionmaker[Session]
) -> None:
    body = {"kind": "diag.echo", "params": {"message": "hi"}, "queue": "backfill_high"}
    response = client.post(JOBS, json=body, headers=auth)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unknown_queue"
    assert _job_count(sessions) == 0


def test_get_queues_lists_every_configured_queue_with_its_policy(
    configured_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    admin = make_auth(sessions, scopes=[Scope.ADMIN])
    response = configured_client.get(QUEUES, headers=admin)
    assert response.status_code == 200
    items = {item["queue"]: item for item in response.json()["items"]}
    assert list(items) == [*QueueSet.defaults().names, *CONFIGURED]
    high = items["backfill_high"]["policy"]
    assert (high["max_retries"], high["soft_time_limit_seconds"]) == (0, 1)
    assert items["billing"]["policy"]["max_retries"] == 12
    assert items["billing"]["policy"]["backoff_max_seconds"] == 1800
    assert items["data_import"]["waiting"] == 0


def test_queue_length_is_reported_for_every_configured_queue(
    configured_client: TestClient,
) -> None:
    text = configured_client.get("/metrics").text
    lengths = {
        sample.labels["queue_name"]
        for family in text_string_to_metric_families(text)
        if family.name == "celery_queue_length"
        for sample in family.samples
    }
    assert lengths == {*QueueSet.defaults().names, *CONFIGURED}
