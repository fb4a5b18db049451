"""Queue topology: the queues, their policies, and the Redis keys that hold their messages.

The six built-in queues and their policies are the defaults; a deployment adds queues or
overrides a policy in ``CONVEYOR_QUEUES_FILE`` (:mod:`conveyor_core.broker.queue_config`),
and every process reads the result as one :class:`QueueSet`. Import-light on purpose: the
chart tests, the metrics and the autoscaler all read it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Queue(StrEnum):
    """The built-in queues: present in every deployment (a deployment may add its own)."""

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


BILLING_BACKOFF_CAP_SECONDS = 30 * 60.0  # a payment provider's outage rarely outlasts it

DEFAULT_POLICIES: Mapping[str, QueuePolicy] = MappingProxyType(
    {
        Queue.DEFAULT: QueuePolicy(RetryPolicy(3, 1.0, 60.0), 300, 360),
        Queue.AI: QueuePolicy(RetryPolicy(5, 2.0, 120.0), 900, 960),
        Queue.DATA: QueuePolicy(RetryPolicy(3, 5.0, 300.0), 3600, 3660),
        Queue.BILLING: QueuePolicy(
            RetryPolicy(10, 10.0, BILLING_BACKOFF_CAP_SECONDS), 120, 180, max_deliveries=5
        ),
        Queue.TOOLS: QueuePolicy(RetryPolicy(2, 1.0, 30.0), 600, 630, terminate_on_cancel=True),
        Queue.MAINTENANCE: QueuePolicy(RetryPolicy(1, 5.0, 60.0), 600, 660),
    }
)


class UnknownQueue(LookupError):
    def __init__(self, queue: str, known: tuple[str, ...]) -> None:
        super().__init__(f"unknown queue {queue!r}; known: {', '.join(known)}")
        self.queue = queue


@dataclass(frozen=True, slots=True)
class QueueSet:
    """The queues a deployment runs, each with its policy: immutable once loaded."""

    policies: Mapping[str, QueuePolicy]

    @classmethod
    def of(cls, policies: Mapping[str, QueuePolicy]) -> QueueSet:
        return cls(MappingProxyType({str(name): policy for name, policy in policies.items()}))

    @classmethod
    def defaults(cls) -> QueueSet:
        return cls.of(DEFAULT_POLICIES)

    @property
    def names(self) -> tuple[str, ...]:
        """The built-in queues first, then the configured ones in the order they were given."""
        return tuple(self.policies)

    def policy(self, name: str) -> QueuePolicy:
        try:
            return self.policies[name]
        except KeyError:
            raise UnknownQueue(name, self.names) from None

    def policy_or_default(self, name: str) -> QueuePolicy:
        """The policy of a stored row's queue: one removed from the configuration since the
        row was accepted keeps the default queue's policy rather than failing the row."""
        return self.policies.get(name) or self.policies[Queue.DEFAULT]

    def __contains__(self, name: object) -> bool:
        return name in self.policies

    def __iter__(self) -> Iterator[str]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)


def broker_priority(priority: int) -> int:
    """Translate a Conveyor priority (9 = most urgent) to kombu's Redis step (0 = popped first)."""
    if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
        raise ValueError(f"priority must be between {MIN_PRIORITY} and {MAX_PRIORITY}")
    return MAX_PRIORITY - priority


def redis_keys(queue: str) -> list[str]:
    """Every Redis list that holds messages of ``queue``, one per priority step.

    Matches kombu's naming: step 0 is the bare queue name, step n is ``<queue><sep><n>``.
    """
    name = str(queue)
    return [name if step == 0 else f"{name}{PRIORITY_SEPARATOR}{step}" for step in PRIORITY_STEPS]
