from __future__ import annotations

import pytest

from conveyor_core.broker.queues import (
    DEFAULT_POLICIES,
    Queue,
    QueueSet,
    RetryPolicy,
    UnknownQueue,
    broker_priority,
    redis_keys,
)


def test_every_queue_has_a_policy_with_hard_limit_above_soft_limit() -> None:
    assert set(DEFAULT_POLICIES) == set(Queue)
    for policy in DEFAULT_POLICIES.values():
        assert policy.time_limit_seconds > policy.soft_time_limit_seconds


def test_billing_retries_ten_times_capped_at_thirty_minutes_with_jitter() -> None:
    billing = DEFAULT_POLICIES[Queue.BILLING].retry
    assert (billing.max_retries, billing.backoff_max_seconds, billing.jitter) == (10, 1800, True)
    assert all(billing.max_retries >= p.retry.max_retries for p in DEFAULT_POLICIES.values())


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=10, backoff_seconds=1, backoff_max_seconds=5)
    assert [policy.delay_for(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]


def test_default_queue_set_is_the_six_built_in_queues_in_order() -> None:
    queues = QueueSet.defaults()
    assert queues.names == ("default", "ai", "data", "billing", "tools", "maintenance")
    assert queues.policy("ai") == DEFAULT_POLICIES[Queue.AI]


def test_unknown_queue_names_the_known_ones_and_stored_rows_fall_back_to_default() -> None:
    queues = QueueSet.defaults()
    with pytest.raises(UnknownQueue, match="unknown queue 'gone'; known: default, ai"):
        queues.policy("gone")
    assert queues.policy_or_default("gone") == DEFAULT_POLICIES[Queue.DEFAULT]


def test_queue_set_cannot_be_changed_once_made() -> None:
    queues = QueueSet.defaults()
    with pytest.raises(TypeError):
        queues.policies["extra"] = DEFAULT_POLICIES[Queue.DEFAULT]  # type: ignore[index]


def test_most_urgent_priority_lands_on_the_step_popped_first() -> None:
    assert broker_priority(9) == 0
    assert broker_priority(0) == 9
    with pytest.raises(ValueError, match="between 0 and 9"):
        broker_priority(10)


def test_redis_keys_cover_every_priority_step() -> None:
    assert redis_keys(Queue.AI) == ["ai", *(f"ai:{n}" for n in range(1, 10))]
