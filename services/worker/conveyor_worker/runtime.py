"""How every job task runs: claim the row, heartbeat while working, record the outcome.

The claim (an UPDATE ... WHERE status IN (...) RETURNING) happens before any side effect, so a
message delivered twice finds its row already claimed or finished and does nothing. A fan-out
job's own message plans and creates its items; each item then runs as its own message.
"""

from __future__ import annotations

import random
import time
import traceback
import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy.exc import DBAPIError

from conveyor_core.contracts import TaskContract
from conveyor_core.db.engine import transaction
from conveyor_core.jobs import events, execution, repository
from conveyor_core.jobs.errors import NonRetryable
from conveyor_core.jobs.execution import Claimed, Recorded, Target
from conveyor_core.jobs.states import FINISHED, Status
from conveyor_core.models import Job
from conveyor_core.publishing import Delivery
from conveyor_core.queues import Queue, policy_for
from conveyor_worker import announcements
from conveyor_worker.context import FanOut, Implementation, TaskContext
from conveyor_worker.leases import keeper
from conveyor_worker.outcomes import Outcome, task_outcome
from conveyor_worker.resources import Resources, resources

log = structlog.get_logger(__name__)

TRACEBACK_LIMIT = 20


def error_of(exc: BaseException) -> dict[str, Any]:
    return {"type": type(exc).__name__, "message": str(exc)}


def retry_delay(queue: Queue, attempt: int) -> float:
    retry = policy_for(queue).retry
    delay = retry.delay_for(attempt)
    # "equal jitter": keep half the backoff, randomise the rest, so retries spread out
    return delay / 2 + random.uniform(0, delay / 2) if retry.jitter else delay


@dataclass
class Execution:
    """One delivery being run: everything the steps below share."""

    res: Resources
    contract: TaskContract
    target: Target
    task_id: str
    queue: Queue
    log: Any

    def report(
        self, outcome: Outcome, runtime: float | None = None, exception: str | None = None
    ) -> None:
        task_outcome.send(
            sender=self.contract.name,
            kind=self.contract.name,
            queue=str(self.queue),
            outcome=outcome,
            runtime_seconds=runtime,
            exception=exception,
            job_id=str(self.target.job_id),
            item_id=str(self.target.item_id) if self.target.item_id else None,
        )

    def settle(self, recorded: Recorded | None) -> None:
        """After an outcome: finalize the job if this was its last item, and announce."""
        if recorded is None:
            return
        if recorded.last_item:
            with transaction(self.res.sessions) as session:
                finalized = execution.finalize(session, self.target.job_id)
            if finalized is not None:
                announcements.forget(finalized.id)
                events.announce(self.res.redis, finalized)
                self.log.info("job finalized", status=finalized.status, result=finalized.result)
                announcements.send_job_finished(finalized)
                return
        if self.target.item_id is not None:
            if announcements.due_for_announcement(self.target.job_id):
                self.announce_job()
            return
        if recorded.job is None:
            return
        events.announce(self.res.redis, recorded.job)
        if recorded.job.status in FINISHED:
            announcements.send_job_finished(recorded.job)

    def announce_job(self) -> None:
        """Announce the job's progress as it now stands (an item's outcome moves it)."""
        with self.res.sessions() as session:
            job = session.get(Job, self.target.job_id)
        if job is not None:
            events.announce(self.res.redis, job)


def run(
    contract: TaskContract,
    implementation: Implementation | FanOut,
    task_id: str,
    queue: str,
    job_id: str,
    item_id: str | None,
) -> None:
    """Execute one delivery of ``job_id`` (or of its item ``item_id``) that came from ``queue``."""
    res = resources()
    target = Target(uuid.UUID(job_id), uuid.UUID(item_id) if item_id else None)
    run_ = Execution(
        res,
        contract,
        target,
        task_id,
        Queue(queue),
        log.bind(job_id=job_id, item_id=item_id, task_id=task_id, kind=contract.name, queue=queue),
    )
    claimed = _claim(res, target, task_id)
    if claimed is None:
        run_.log.info("delivery ignored: row already claimed, finished or not due")
        run_.report(Outcome.IGNORED)
        return
    run_.log = run_.log.bind(attempt=claimed.attempts)
    # an item's start is DEBUG: a fan-out of thousands logs each item's outcome, not twice
    (run_.log.debug if item_id else run_.log.info)("task started")
    if isinstance(implementation, FanOut) and item_id is None:
        _orchestrate(run_, implementation, claimed)
    else:
        _execute(run_, implementation, claimed)


def _claim(res: Resources, target: Target, task_id: str) -> Claimed | None:
    """Claim the row, once more on a fresh connection if the pooled one had died (the
    database restarted): nothing ran yet, so trying again is safe."""
    for attempt in (1, 2):
        try:
            with res.statements.connect() as connection:
                return execution.claim(connection, target, task_id, res.settings.lease_seconds)
        except DBAPIError as error:
            if not error.connection_invalidated or attempt == 2:
                raise
    return None


def _call(
    implementation: Implementation | FanOut,
    contract: TaskContract,
    claimed: Claimed,
    ctx: TaskContext,
) -> dict[str, Any] | None:
    params = contract.params.model_validate(claimed.params)
    if isinstance(implementation, FanOut):
        return implementation.item(params, claimed.item_params or {}, ctx)
    return implementation(params, ctx)


def _execute(run_: Execution, implementation: Implementation | FanOut, claimed: Claimed) -> None:
    ctx = TaskContext(run_.target.job_id, run_.target.item_id, claimed.attempts)
    started = time.monotonic()
    with keeper().holding(run_.target, run_.task_id, ctx):
        try:
            result = _call(implementation, run_.contract, claimed, ctx) or {}
        except Exception as exc:
            outcome = _record_failure(run_, claimed.attempts, exc)
            run_.report(outcome, time.monotonic() - started, type(exc).__name__)
            return
    with run_.res.statements.connect() as connection:
        recorded = execution.finish(
            connection, run_.target, run_.task_id, Status.SUCCEEDED, result=result
        )
    run_.settle(recorded)
    if recorded is None:
        run_.log.info("outcome dropped: row no longer ours")
    else:  # an item's success is DEBUG: its row keeps it, and the finalizer logs the summary
        (run_.log.debug if run_.target.item_id else run_.log.info)("task succeeded")
    run_.report(Outcome.SUCCEEDED if recorded else Outcome.DROPPED, time.monotonic() - started)


def _record_failure(run_: Execution, attempt: int, exc: Exception) -> Outcome:
    retries_left = attempt <= policy_for(run_.queue).retry.max_retries
    error = error_of(exc)
    trace = traceback.format_exc(limit=TRACEBACK_LIMIT)
    with transaction(run_.res.sessions) as session:
        if retries_left and not isinstance(exc, NonRetryable):
            delay = retry_delay(run_.queue, attempt)
            recorded = execution.retry_later(
                session, run_.target, run_.task_id, delay_seconds=delay, error=error
            )
            outcome = Outcome.RETRIED
        else:
            recorded = execution.finish(
                session, run_.target, run_.task_id, Status.FAILED, error=error
            )
            outcome = Outcome.FAILED
    run_.settle(recorded)
    if recorded is None:
        run_.log.warning("outcome dropped: row no longer ours", error=error)
        return Outcome.DROPPED
    if outcome is Outcome.RETRIED:
        run_.log.warning(
            "task failed, retry scheduled", error=error, retry_in=round(delay, 3), traceback=trace
        )
    else:
        run_.log.error("task failed", error=error, traceback=trace)
    return outcome


def _orchestrate(run_: Execution, fanout: FanOut, claimed: Claimed) -> None:
    """Plan the items, create them in one transaction, then publish them in bulk."""
    job = claimed.job
    assert job is not None
    ctx = TaskContext(run_.target.job_id, None, job.attempts)
    started = time.monotonic()
    with keeper().holding(run_.target, run_.task_id, ctx):
        try:
            items = fanout.plan(run_.contract.params.model_validate(job.params))
        except Exception as exc:
            outcome = _record_failure(run_, job.attempts, exc)
            run_.report(outcome, time.monotonic() - started, type(exc).__name__)
            return
    if not items:
        _execute(run_, lambda _params, _ctx: {"items": {"succeeded": 0, "failed": 0}}, claimed)
        return
    with transaction(run_.res.sessions) as session:
        ids = execution.fan_out(session, job.id, run_.task_id, items)
    deliveries = [Delivery(job.kind, job.queue, job.priority, job.id, item_id) for item_id in ids]
    _publish_items(run_, deliveries)
    run_.log.info("fanned out", items=len(ids))
    run_.report(Outcome.FANNED_OUT, time.monotonic() - started)


def _publish_items(run_: Execution, deliveries: list[Delivery]) -> None:
    try:
        run_.res.publisher.publish_many(deliveries)
    except Exception as error:  # the items are committed: the reconciler sends them
        run_.log.warning("item publish deferred to the reconciler", error=repr(error))
        return
    with transaction(run_.res.sessions) as session:
        repository.mark_items_published(session, run_.target.job_id)
