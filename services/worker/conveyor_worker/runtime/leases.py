"""One lease-keeping thread per worker process renews the lease of every row being worked on.

A running row's lease must be renewed every heartbeat, or the reconciler takes it back. One
thread per process (rather than one per task) keeps a short task's cost to a dict insert.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import structlog

from conveyor_core.jobs.repository import task_rows
from conveyor_core.jobs.runs import Target
from conveyor_worker.resources import Resources
from conveyor_worker.runtime.context import WorkerContext

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Lease:
    target: Target
    task_id: str
    ctx: WorkerContext


class LeaseKeeper:
    def __init__(self, res: Resources) -> None:
        self._res = res
        self._held: dict[str, Lease] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @contextmanager
    def holding(self, target: Target, task_id: str, ctx: WorkerContext) -> Iterator[None]:
        lease = Lease(target, task_id, ctx)
        ctx.beat = lambda: self._renew(lease)
        with self._lock:
            self._held[task_id] = lease
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="leases", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._held.pop(task_id, None)
            ctx.flush_progress()  # the task's last report, before its outcome

    def _run(self) -> None:
        while True:
            time.sleep(self._res.settings.heartbeat_seconds)
            with self._lock:
                leases = list(self._held.values())
            for lease in leases:
                self._renew(lease)
                lease.ctx.flush_progress()

    def _renew(self, lease: Lease) -> None:
        settings = self._res.settings
        try:
            with self._res.statements.connect() as connection:
                ours = task_rows.heartbeat(
                    connection,
                    lease.target.model,
                    lease.target.row_id,
                    lease.task_id,
                    settings.lease_seconds,
                )
        except Exception as error:  # a missed beat is survivable; the lease has slack
            log.warning("heartbeat failed", error=repr(error), task_id=lease.task_id)
            return
        if not ours:
            lease.ctx.lost.set()  # cancelled, or taken over after a lost lease


_keepers: dict[int, LeaseKeeper] = {}
_keepers_lock = threading.Lock()


def keeper(res: Resources) -> LeaseKeeper:
    """This process's keeper (a forked pool child gets its own, with its own thread)."""
    pid = os.getpid()
    found = _keepers.get(pid)
    if found is None:
        with _keepers_lock:
            found = _keepers.setdefault(pid, LeaseKeeper(res))
    return found
