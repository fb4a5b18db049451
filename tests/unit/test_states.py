from __future__ import annotations

import pytest

from conveyor_core.jobs.states import (
    CLAIMABLE,
    FINISHED,
    RETRYABLE,
    IllegalTransition,
    Status,
    can_transition,
    ensure_transition,
    sources_of,
    within,
)


def test_finished_rows_other_than_failed_ones_never_run_again() -> None:
    for status in FINISHED - {Status.FAILED, Status.DEAD_LETTERED}:
        assert not can_transition(status, Status.QUEUED)
        assert not can_transition(status, Status.RUNNING)


def test_failed_and_dead_lettered_rows_can_be_requeued_by_a_retry() -> None:
    assert can_transition(Status.FAILED, Status.QUEUED)
    assert can_transition(Status.DEAD_LETTERED, Status.QUEUED)


def test_only_queued_rows_are_claimed_and_failed_ones_only_reopened_by_a_retry() -> None:
    assert within(CLAIMABLE, Status.RUNNING) == [Status.QUEUED]
    assert sources_of(Status.RUNNING) == {Status.QUEUED, Status.FAILED}
    assert within(RETRYABLE, Status.QUEUED) == [Status.DEAD_LETTERED, Status.FAILED]


def test_a_statement_outside_the_state_machine_is_refused_before_it_runs() -> None:
    with pytest.raises(IllegalTransition, match="cancelled row cannot become queued"):
        within({Status.FAILED, Status.CANCELLED}, Status.QUEUED)
    assert within({Status.RUNNING}, Status.RUNNING) == [Status.RUNNING]


def test_illegal_transition_is_refused_with_both_states_named() -> None:
    with pytest.raises(IllegalTransition, match="succeeded row cannot become running"):
        ensure_transition(Status.SUCCEEDED, Status.RUNNING)
