"""``ctx.datasets``: keyed JSON records of the job's tenant, through the datasets service."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.datasets import service
from conveyor_core.db.engine import transaction

READ_PAGE = 1000  # records per read, one short transaction each


class TaskDatasets:
    def __init__(self, sessions: sessionmaker[Session], tenant_id: Callable[[], uuid.UUID]) -> None:
        self._sessions, self._tenant_id = sessions, tenant_id

    def upsert(self, name: str, records: Iterable[Mapping[str, Any]], *, key: list[str]) -> int:
        """Inserted and changed records; identical ones are not written again."""
        with transaction(self._sessions) as session:
            done = service.upsert_records(session, self._tenant_id(), name, records, key)
        return done.inserted + done.updated

    def records(self, name: str) -> Iterator[dict[str, Any]]:
        """Every record of dataset ``name``, in key order, read page by page; raises
        ``LookupError`` (``DatasetNotFound``) for a dataset the tenant does not have."""
        cursor: str | None = None
        while True:
            with self._sessions() as session:
                page, cursor = service.list_records(
                    session, self._tenant_id(), name, READ_PAGE, cursor
                )
            for record in page:
                yield record.data
            if cursor is None:
                return
