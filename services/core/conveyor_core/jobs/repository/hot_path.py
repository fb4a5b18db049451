"""The fan-out hot path: an item's claim and outcome, one statement each, run straight on the
driver (``conveyor_core.db.direct``) and read into typed rows."""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

from psycopg.types.json import Jsonb

from conveyor_core.db import direct
from conveyor_core.db.engine import Executor
from conveyor_core.jobs.repository.jobs import COUNTER
from conveyor_core.jobs.repository.task_rows import OWNED
from conveyor_core.jobs.states import CLAIMABLE, Status, sql_is, within


class ClaimedItem(NamedTuple):
    attempts: int  # executions started, this one included
    params: dict[str, Any]  # the item's
    job_params: dict[str, Any]


class JobCounters(NamedTuple):
    """A fan-out job's counters right after an item's outcome moved them."""

    total_items: int
    succeeded_items: int
    failed_items: int


# The fan-out hot path: one prepared statement per step, run straight on the driver
# (``direct``), with psycopg's placeholders. An item's started_at is its latest execution's
# start (a job keeps its first): the finalizer's item durations describe executions, not the
# wait before a retry.
#
# The claim changes the item alone: the job counts its unfinished items, queued and running
# alike (``jobs.COUNTER``), so a claim moves no counter and takes no lock on the job's row, which
# every item of the job would otherwise queue on. The outcome moves the job's counters in the
# same statement as the item (a data-modifying CTE), so it is one round trip too.
#
# Lock order: a transaction that changes a job and its items locks the job's row first (see
# ``jobs.lock_job_for_items``). Cancel, retry and reset-stuck lock the job and then update its
# items; if an outcome locked its item first and then waited for the job, the two would
# deadlock. So the outcome's first step locks the job (``locked``), and the item's update does
# not start before it: its WHERE clause waits on that lock. A claim holds nothing but its item.
#
# The item is found by its primary key alone. Compared with ``=``, ``job_id`` and ``status``
# would match the (job_id, status) index, and a generic plan may take that index and filter
# the job's queued items one by one for the id: a claim then costs time in proportion to the
# items still queued (seen at 0.5-1 ms per claim on a 10,000-item job). ``IS NOT DISTINCT
# FROM`` (the same test for these non-null columns) is not an index condition, and no partial
# index's predicate (``status = 'queued'``) is proven from it: with statistics that still see
# no queued items, the reconciler's partial index would otherwise look cheaper than the key.


def _only(statuses: list[Status]) -> Status:
    (status,) = statuses
    return status


_CLAIM_ITEM = f"""
UPDATE job_items
SET status = 'running', attempts = attempts + 1, deliveries = deliveries + 1,
    celery_task_id = %(task_id)s, started_at = now(),
    heartbeat_at = now(), lease_expires_at = now() + make_interval(secs => %(lease)s)
WHERE id = %(item_id)s AND job_id IS NOT DISTINCT FROM %(job_id)s::uuid
  AND status {sql_is(_only(within(CLAIMABLE, Status.RUNNING)))} AND due_at <= now()
RETURNING attempts, params,
    (SELECT jobs.params FROM jobs WHERE jobs.id = job_items.job_id) AS job_params
"""  # noqa: S608


def _finish_item_statement(status: Status) -> str:
    # ``counter`` is one of the job's own column names (COUNTER), never input
    counter = COUNTER[status].key
    return f"""
WITH locked AS (
    SELECT id FROM jobs WHERE id = %(job_id)s FOR NO KEY UPDATE
), finished AS (
    UPDATE job_items
    SET status = %(status)s, result = %(result)s, error = %(error)s, deliveries = 0,
        finished_at = now(), lease_expires_at = NULL
    WHERE id = %(item_id)s AND job_id IS NOT DISTINCT FROM (SELECT id FROM locked)
      AND status {sql_is(_only(within(OWNED, status)))} AND celery_task_id = %(task_id)s
    RETURNING id
)
UPDATE jobs SET unfinished_items = unfinished_items - 1, {counter} = {counter} + 1
WHERE id = %(job_id)s AND EXISTS (SELECT 1 FROM finished)
RETURNING total_items, succeeded_items, failed_items
"""  # noqa: S608


_FINISH_ITEM: dict[Status, str] = {
    status: _finish_item_statement(status)
    for status in COUNTER
    if status not in (Status.QUEUED, Status.RUNNING)
}


def claim_item(
    executor: Executor, job_id: uuid.UUID, item_id: uuid.UUID, task_id: str, lease_seconds: float
) -> ClaimedItem | None:
    """Claim a queued item (its job's row untouched); returns the item's attempts and params
    with the job's params, or ``None``."""
    return direct.fetch_row(
        executor,
        ClaimedItem,
        _CLAIM_ITEM,
        {"job_id": job_id, "item_id": item_id, "task_id": task_id, "lease": lease_seconds},
    )


def finish_item(
    executor: Executor,
    job_id: uuid.UUID,
    item_id: uuid.UUID,
    task_id: str,
    status: Status,
    *,
    result: dict[str, Any] | None,
    error: dict[str, Any] | None,
) -> JobCounters | None:
    """Record an item's outcome and move its job's counters in one statement; returns the
    job's total, succeeded and failed counts, or ``None`` when the item was no longer this
    execution's."""
    return direct.fetch_row(
        executor,
        JobCounters,
        _FINISH_ITEM[status],
        {
            "job_id": job_id,
            "item_id": item_id,
            "task_id": task_id,
            "status": str(status),
            "result": None if result is None else Jsonb(result),
            "error": None if error is None else Jsonb(error),
        },
    )
