"""How every job task runs: claim the row, run the implementation under a lease, record the
outcome.

The claim (an UPDATE ... WHERE status IN (...) RETURNING) happens before any side effect, so a
message delivered twice finds its row already claimed or finished and does nothing. A fan-out
job's own message plans and creates its items (``fanout``); each item then runs as its own
message.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import structlog
from celery.exceptions import Reject
from sqlalchemy.exc import DBAPIError

from conveyor.kinds import FanoutImplementation, Kind, Result, TaskImplementation
from conveyor_core.jobs import runs
from conveyor_core.jobs.errors import NonRetryable
from conveyor_core.jobs.runs import Claimed, Target
from conveyor_worker.observability.outcomes import Outcome
from conveyor_worker.resources import Resources
from conveyor_worker.runtime import fanout, outcome
from conveyor_worker.runtime.context import WorkerContext
from conveyor_worker.runtime.leases import keeper
from conveyor_worker.runtime.run import TaskRun

log = structlog.stdlib.get_logger(__name__)

# A claim that cannot reach the database hands its message back after this pause, rather than
# acknowledging it (the row would then wait for a message that is gone) or spinning on it.
CLAIM_UNAVAILABLE_PAUSE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Message:
    """What a delivered message says: its task id, the queue it came from, the row it names."""

    task_id: str
    queue: str
    job_id: str
    item_id: str | None


class NoImplementation(NonRetryable):
    """The message names a kind this worker has no implementation of."""


def handle(res: Resources, kind: Kind, message: Message) -> None:
    """Execute one delivery of a job (or of one of its items) of ``kind``."""
    started = _start(res, kind.name, message)
    if started is None:
        return
    run, claimed = started
    implementation = kind.implementation
    assert implementation is not None, "the worker binds implemented kinds only"
    if isinstance(implementation, FanoutImplementation) and run.target.item_id is None:
        fanout.orchestrate(run, kind.params, implementation, claimed)
    else:
        _execute(run, kind, implementation, claimed)


def refuse(res: Resources, kind: str, message: Message) -> None:
    """Fail the row of a delivery whose kind this worker does not know (the api accepted it
    from a package the worker's image lacks): a message nobody runs would be sent forever."""
    started = _start(res, kind, message)
    if started is None:
        return
    run, claimed = started
    begun = time.monotonic()
    try:
        raise NoImplementation(
            f"this worker has no implementation of kind {kind!r}: install the package that "
            "implements it in the worker's image"
        )
    except NoImplementation as exc:
        outcome.fail(run, claimed.attempts, exc, begun)


def _start(res: Resources, kind: str, message: Message) -> tuple[TaskRun, Claimed] | None:
    """The run of ``message`` once its row is claimed; ``None`` when there was none to claim."""
    target = Target(
        uuid.UUID(message.job_id), uuid.UUID(message.item_id) if message.item_id else None
    )
    bound = log.bind(
        job_id=message.job_id,
        item_id=message.item_id,
        task_id=message.task_id,
        kind=kind,
        queue=message.queue,
    )
    run = TaskRun(res, kind, target, message.task_id, message.queue, bound)
    claimed = _claim(res, target, message.task_id)
    if claimed is None:
        run.log.info("delivery ignored: row already claimed, finished or not due")
        run.report(Outcome.IGNORED)
        return None
    run = run.attempt(claimed.attempts)
    # an item's start is DEBUG: a fan-out of thousands logs each item's outcome, not twice
    (run.log.debug if target.item_id else run.log.info)("task started")
    return run, claimed


def _claim(res: Resources, target: Target, task_id: str) -> Claimed | None:
    """Claim the row, once more on a fresh connection if the pooled one had died (the
    database restarted): nothing ran yet, so trying again is safe. A database that does not
    answer sends the message back to its queue: the row keeps its one message."""
    for attempt in (1, 2):
        try:
            with res.statements.connect() as connection:
                return runs.claim(connection, target, task_id, res.settings.lease_seconds)
        except DBAPIError as error:
            if error.connection_invalidated and attempt == 1:
                continue
            log.warning("claim failed, message requeued", task_id=task_id, error=repr(error))
            time.sleep(CLAIM_UNAVAILABLE_PAUSE_SECONDS)
            raise Reject(repr(error), requeue=True) from error
    return None


def _execute(
    run: TaskRun,
    kind: Kind,
    implementation: TaskImplementation | FanoutImplementation,
    claimed: Claimed,
) -> None:
    """Run a plain job's implementation, or one item of a fan-out, and record its outcome."""
    ctx = run.context(claimed.attempts)
    started = time.monotonic()
    with keeper(run.res).holding(run.target, run.task_id, ctx):
        try:
            result = _call(implementation, kind, claimed, ctx) or {}
        except Exception as exc:
            outcome.fail(run, claimed.attempts, exc, started)
            return
    outcome.succeed(run, result, started)


def _call(
    implementation: TaskImplementation | FanoutImplementation,
    kind: Kind,
    claimed: Claimed,
    ctx: WorkerContext,
) -> Result:
    params = kind.params.model_validate(claimed.params)
    if isinstance(implementation, FanoutImplementation):
        return implementation.item(params, claimed.item_params or {}, ctx)
    return implementation.run(params, ctx)
