"""A fan-out's ``finalize(self, params, summary)``: what finalizes its job in this worker (and
in the reconciler this worker runs), inside the finalization's own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy.orm import Session

from conveyor.catalogue import Catalogue
from conveyor.kinds import FanoutImplementation, Kind
from conveyor.summary import ItemFailure
from conveyor_core.jobs.kinds import Finisher
from conveyor_core.jobs.repository import items
from conveyor_core.models import Job


class StoredSummary:
    """The items' outcomes as the database holds them, read as they are iterated."""

    def __init__(self, session: Session, job_id: uuid.UUID, statistics: dict[str, Any]) -> None:
        self._session, self._job_id, self._statistics = session, job_id, statistics

    @property
    def counts(self) -> Mapping[str, int]:
        counts: Mapping[str, int] = self._statistics["items"]
        return counts

    @property
    def statistics(self) -> Mapping[str, Any]:
        return self._statistics

    def results(self) -> Iterable[dict[str, Any]]:
        return items.succeeded_results(self._session, self._job_id)

    def failures(self) -> Iterator[ItemFailure]:
        for position, item, error in items.failed_items(self._session, self._job_id):
            yield ItemFailure(position, item, error)


def _finisher(kind: Kind, implementation: FanoutImplementation) -> Finisher:
    def finish(session: Session, job: Job, statistics: dict[str, Any]) -> dict[str, Any] | None:
        params = kind.params.model_validate(job.params)
        return implementation.finalize(params, StoredSummary(session, job.id, statistics))

    return finish


def finishers(catalogue: Catalogue) -> dict[str, Finisher]:
    """One per fan-out kind whose class has a ``finalize``."""
    found: dict[str, Finisher] = {}
    for kind in catalogue:
        implementation = kind.implementation
        if isinstance(implementation, FanoutImplementation) and implementation.finalizes:
            found[kind.name] = _finisher(kind, implementation)
    return found
