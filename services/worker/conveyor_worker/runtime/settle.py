"""After an outcome is written: a fan-out job whose last item it was is finalized, and the
job's progress is announced."""

from __future__ import annotations

from conveyor_core.db.engine import transaction
from conveyor_core.jobs import events, runs
from conveyor_core.jobs.runs import Recorded
from conveyor_core.jobs.states import FINISHED
from conveyor_core.models import Job
from conveyor_worker.observability import announcements
from conveyor_worker.runtime.run import TaskRun


def settle(run: TaskRun, recorded: Recorded | None) -> None:
    if recorded is None:
        return
    if recorded.last_item and finalize(run):
        return
    if run.target.item_id is not None:
        if announcements.due_for_announcement(run.target.job_id):
            _announce_job(run)
        return
    if recorded.job is None:
        return
    events.announce(run.res.redis, recorded.job)
    if recorded.job.status in FINISHED:
        announcements.send_job_finished(recorded.job)


def finalize(run: TaskRun) -> bool:
    """Close the fan-out job whose last item this run ended; ``False`` if another run (or the
    reconciler) already did."""
    with transaction(run.res.sessions) as session:
        finalized = runs.finalize(session, run.target.job_id)
    if finalized is None:
        return False
    announcements.forget(finalized.id)
    events.announce(run.res.redis, finalized)
    run.log.info("job finalized", status=finalized.status, result=finalized.result)
    announcements.send_job_finished(finalized)
    return True


def _announce_job(run: TaskRun) -> None:
    """Announce the job's progress as it now stands (an item's outcome moves it)."""
    with run.res.sessions() as session:
        job = session.get(Job, run.target.job_id)
    if job is not None:
        events.announce(run.res.redis, job)
