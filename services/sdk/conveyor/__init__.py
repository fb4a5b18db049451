"""Conveyor's task SDK: what a task package imports.

    from conveyor import task, fanout, TaskContext, NonRetryable, RetryAfter

See docs/tasks.md, the task author's guide.
"""

from conveyor.context import Artifacts, Datasets, TaskContext
from conveyor.decorators import contract, fanout, task
from conveyor.errors import NonRetryable, RetryAfter
from conveyor.summary import FanoutSummary, ItemFailure

__all__ = [
    "Artifacts",
    "Datasets",
    "FanoutSummary",
    "ItemFailure",
    "NonRetryable",
    "RetryAfter",
    "TaskContext",
    "contract",
    "fanout",
    "task",
]
