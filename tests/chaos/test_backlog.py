"""Scenarios 16 and 17: a backlog that waits with its pool at zero keeps one message per job,
and one that Redis loses while it waits is published again, once."""

from __future__ import annotations

from collections.abc import Callable

import redis
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.depth import queue_depths
from tests.chaos.api import Api
from tests.chaos.ledger import verify
from tests.processes import Running
from tests.waiting import after_reconciler_passes, until

BATCH = 500
# passes at the suite's 0.5 s interval: twice the 15 s after which the old rule resent every
# message that had waited unclaimed
PASSES = 60


def _waiting(client: redis.Redis) -> int:
    return queue_depths(client, ["default"])[0].waiting


def test_a_backlog_waiting_with_its_pool_at_zero_holds_exactly_one_message_per_job(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
) -> None:
    maintenance = start_worker(queues="maintenance", name="maintenance")
    for _ in range(2):
        api.submit_batch("diag.effect", {}, BATCH)
    after_reconciler_passes(maintenance, PASSES)
    assert _waiting(redis_client) == 2 * BATCH
    start_worker(queues="default", concurrency=4, name="pool")
    verify("16 backlog with its pool at zero (1000 jobs)", sessions, api.accepted.expected, 300)


def test_flushall_of_a_waiting_backlog_republishes_each_job_once(
    api: Api,
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
    redis_client: redis.Redis,
) -> None:
    maintenance = start_worker(queues="maintenance", name="maintenance")
    api.submit_batch("diag.effect", {}, BATCH)
    redis_client.flushall()
    until(lambda: _waiting(redis_client) >= BATCH, 60, "the lost backlog published again")
    after_reconciler_passes(maintenance, PASSES)
    assert _waiting(redis_client) == BATCH
    start_worker(queues="default", concurrency=4, name="pool")
    verify("17 flushall of a waiting backlog (500 jobs)", sessions, api.accepted.expected, 300)
