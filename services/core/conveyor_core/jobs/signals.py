"""Signals the job service sends, for observers (metrics) that core must not depend on."""

from __future__ import annotations

from celery.utils.dispatch import Signal

# sent once per request that created jobs, after their commit, with ``jobs``: the new rows
jobs_created = Signal(name="conveyor_jobs_created")
