from __future__ import annotations

import pytest

from conveyor_core.broker.queues import POLICIES, Queue, RetryPolicy, broker_priority, redis_keys


def test_every_queue_has_a_policy_with_hard_limit_above_soft_limit() -> None:
    assert set(POLICIES) == set(Queue)
    for policy in POLICIES.values():
        assert policy.time_limit_seconds > policy.soft_time_limit_seconds


def test_billing_retries_longest() -> None:
    billing = POLICIES[Queue.BILLING].retry
    assert all(billing.max_retries >= p.retry.max_retries for p in POLICIES.values())


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(max_retries=10, backoff_seconds=1, backoff_max_seconds=5)
    assert [policy.delay_for(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]


def test_most_urgent_priority_lands_on_the_step_popped_first() -> None:
    assert broker_priority(9) == 0
    assert broker_priority(0) == 9
    with pytest.raises(ValueError, match="between 0 and 9"):
        broker_priority(10)


def test_redis_keys_cover_every_priority_step() -> None:
    assert redis_keys(Queue.AI) == ["ai", *(f"ai:{n}" for n in range(1, 10))]
