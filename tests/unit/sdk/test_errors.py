from __future__ import annotations

from datetime import UTC, datetime

import pytest

import conveyor
from conveyor import NonRetryable, RetryAfter
from conveyor_core.jobs import errors as core_errors


def test_non_retryable_is_the_class_the_worker_runtime_catches() -> None:
    assert NonRetryable is core_errors.NonRetryable


def test_retry_after_carries_its_seconds() -> None:
    retry = RetryAfter(12.5, "rate limited")
    assert (retry.seconds, str(retry)) == (12.5, "rate limited")
    assert str(RetryAfter(3)) == "retry after 3 s"


@pytest.mark.parametrize("seconds", [-1, float("inf"), float("nan")])
def test_retry_after_needs_finite_non_negative_seconds(seconds: float) -> None:
    with pytest.raises(ValueError, match="finite number of seconds >= 0"):
        RetryAfter(seconds)


def test_retry_after_reads_a_retry_after_header() -> None:
    now = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    assert RetryAfter.from_header(" 120 ").seconds == 120
    assert RetryAfter.from_header("Sun, 01 Mar 2026 12:01:30 GMT", now=now).seconds == 90
    assert RetryAfter.from_header("Sun, 01 Mar 2026 11:00:00 GMT", now=now).seconds == 0
    with pytest.raises(ValueError, match="not a Retry-After value"):
        RetryAfter.from_header("soon")


def test_the_public_surface_is_what_task_authors_import() -> None:
    assert set(conveyor.__all__) == {
        "task",
        "fanout",
        "contract",
        "TaskContext",
        "Artifacts",
        "Datasets",
        "NonRetryable",
        "RetryAfter",
        "FanoutSummary",
        "ItemFailure",
    }
