"""Conveyor's own housekeeping tasks, run on the maintenance queue."""

from __future__ import annotations

from conveyor_core.reconciler.service import Report, reconcile_once
from conveyor_worker.resources import Resources


def reconcile(res: Resources) -> Report:
    return reconcile_once(res.sessions, res.publisher, res.settings, res.redis)
