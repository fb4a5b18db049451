"""Conveyor's own housekeeping tasks (the reconciler); the task families are packages that
the worker discovers (``conveyor.discovery``)."""

from conveyor_worker.tasks import maintenance

__all__ = ["maintenance"]
