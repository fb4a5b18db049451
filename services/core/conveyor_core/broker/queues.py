"""Queue topology: the queues, their policies, and the Redis keys that hold their messages.

Import-light on purpose: the chart tests, the metrics and the autoscaler all read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Queue(StrEnum):
    DEFAULT = "default"
    AI = "ai"
    DATA = "data"
    BILLING = "billing"
    TOOLS = "tools"
    MAINTENANCE = "maintenance"


# Conveyor priorities run from 0 (lowest) to 9 (most urgent). Kombu's Redis transport keeps one
# list per priority step and pops step 0 first, so a Conveyor priority p lands on step 9 - p.
MIN_PRIORITY = 0
MAX_PRIORITY = 9
DEFAULT_PRIORITY = 5
PRIORITY_STEPS = list(range(MIN_PRIORITY, MAX_PRIORITY + 1))
PRIORITY_SEPARATOR = ":"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int
    backoff_seconds: float
    backoff_max_seconds: float
    jitter: bool = True

    def delay_for(self, retry_number: int) -> float:
        """The un-jittered delay before retry number ``retry_number`` (1-based)."""
        return min(self.backoff_seconds * 2.0 ** (retry_number - 1), self.backoff_max_seconds)


@dataclass(frozen=True, slots=True)
class QueuePolicy:
    retry: RetryPolicy
    soft_time_limit_seconds: int
    time_limit_seconds: int
    # Executions that die without recording an outcome before the row is dead-lettered.
    max_deliveries: int = 3
    # A revoked task on this queue is terminated, not just skipped (sandboxed tool runs).
    terminate_on_cancel: bool = False


POLICIES: dict[Queue, QueuePolicy] = {
    Queue.DEFAULT: QueuePolicy(RetryPolicy(3, 1.0, 60.0), 300, 360),
    Queue.AI: QueuePolicy(RetryPolicy(5, 2.0, 120.0), 900, 960),
    Queue.DATA: QueuePolicy(RetryPolicy(3, 5.0, 300.0), 3600, 3660),
    Queue.BILLING: QueuePolicy(RetryPolicy(8, 10.0, 3600.0), 120, 180, max_deliveries=5),
    Queue.TOOLS: QueuePolicy(RetryPolicy(2, 1.0, 30.0), 600, 630, terminate_on_cancel=True),
    Queue.MAINTENANCE: QueuePolicy(RetryPolicy(1, 5.0, 60.0), 600, 660),
}


def policy_for(queue: Queue) -> QueuePolicy:
    return POLICIES[queue]


def broker_priority(priority: int) -> int:
    """Translate a Conveyor priority (9 = most urgent) to kombu's Redis step (0 = popped first)."""
    if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise ValueError(f"priority must be between {MIN_PRIORITY} and {MAX_PRIORITY}")
    return MAX_PRIORITY - priority


def redis_keys(queue: Queue | str) -> list[str]:
    """Every Redis list that holds messages of ``queue``, one per priority step.

    Matches kombu's naming: step 0 is the bare queue name, step n is ``<queue><sep><n>``.
    """
    name = str(queue)
    return [name if step == 0 else f"{name}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]
