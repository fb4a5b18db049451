"""Names of Conveyor's own housekeeping tasks (not job kinds: no row, not in the catalogue)."""

from __future__ import annotations

from conveyor_core.queues import Queue

RECONCILE = "conveyor.reconcile"
RECONCILE_QUEUE = Queue.MAINTENANCE
