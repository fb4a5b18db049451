from __future__ import annotations

import pytest

from conveyor_core.jobs.states import (
    FINISHED,
    IllegalTransition,
    Status,
    can_transition,
    ensure_transition,
    sources_of,
)


def test_finished_rows_other_than_failed_ones_never_run_again() -> None:
    for status in FINISHED - {Status.FAILED, Status.DEAD_LETTERED}:
        assert not can_transition(status, Status.QUEUED)
        assert not can_transition(status, Status.RUNNING)


def test_failed_and_dead_lettered_rows_can_be_requeued_by_a_retry() -> None:
    assert can_transition(Status.FAILED, Status.QUEUED)
    assert can_transition(Status.DEAD_LETTERED, Status.QUEUED)


def test_only_queued_rows_can_be_claimed() -> None:
    assert sources_of(Status.RUNNING) == {Status.QUEUED}


def test_illegal_transition_is_refused_with_both_states_named() -> None:
    with pytest.raises(IllegalTransition, match="succeeded row cannot become running"):
        ensure_transition(Status.SUCCEEDED, Status.RUNNING)
