"""Conveyor's own housekeeping tasks, run on the maintenance queue."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from conveyor_core.contracts import internal
from conveyor_core.reconciler.service import reconcile_once
from conveyor_worker.resources import resources


def reconcile() -> dict[str, Any]:
    res = resources()
    return asdict(reconcile_once(res.sessions, res.publisher, res.settings, res.redis))


def bind(app: Any) -> None:
    app.task(name=internal.RECONCILE, queue=str(internal.RECONCILE_QUEUE), ignore_result=True)(
        reconcile
    )
