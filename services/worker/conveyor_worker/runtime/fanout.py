"""A fan-out job's own run: plan the items, create them in one transaction, publish them in
bulk. A plan of no items has nothing to wait for: the job is finished at once."""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel

from conveyor.kinds import FanoutImplementation
from conveyor_core.broker.publishing import Delivery
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import runs
from conveyor_core.jobs.repository import items
from conveyor_core.jobs.runs import Claimed
from conveyor_worker.observability.outcomes import Outcome
from conveyor_worker.runtime import outcome
from conveyor_worker.runtime.leases import keeper
from conveyor_worker.runtime.run import TaskRun


def no_items_result() -> dict[str, Any]:
    """A fan-out job's result when it planned no items (the finalizer's summary of none)."""
    return {"items": {"succeeded": 0, "failed": 0}}


def orchestrate(
    run: TaskRun, params: type[BaseModel], fanout: FanoutImplementation, claimed: Claimed
) -> None:
    job = claimed.job
    assert job is not None, "a job's own claim carries its row"
    ctx = run.context(job.attempts)
    started = time.monotonic()
    with keeper(run.res).holding(run.target, run.task_id, ctx):
        try:
            planned = list(fanout.plan(params.model_validate(job.params)))
        except Exception as exc:
            outcome.fail(run, job.attempts, exc, started)
            return
    if not planned:
        outcome.succeed(run, no_items_result(), started)
        return
    with transaction(run.res.sessions) as session:
        ids = runs.fan_out(session, job.id, run.task_id, planned)
    deliveries = [Delivery(job.kind, job.queue, job.priority, job.id, item_id) for item_id in ids]
    _publish_items(run, deliveries)
    run.log.info("fanned out", items=len(ids))
    run.report(Outcome.FANNED_OUT, time.monotonic() - started)


def _publish_items(run: TaskRun, deliveries: list[Delivery]) -> None:
    try:
        run.res.publisher.publish_many(deliveries)
    except Exception as error:  # the items are committed: the reconciler sends them
        run.log.warning("item publish deferred to the reconciler", error=repr(error))
        return
    with transaction(run.res.sessions) as session:
        items.mark_published(session, run.target.job_id)
