"""Scenario 8: the api dies between its commit and its publish."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.models import Job
from tests.chaos import faulty_api
from tests.chaos.api import Api, ApiProcess
from tests.chaos.ledger import verify
from tests.factories import make_key
from tests.processes import Running


@pytest.mark.chaos_fast
def test_a_job_committed_by_an_api_killed_before_publish_is_sent_by_the_reconciler(
    start_api: Callable[..., ApiProcess],
    start_worker: Callable[..., Running],
    beat: Running,
    sessions: sessionmaker[Session],
) -> None:
    start_worker(concurrency=2)
    key = make_key(sessions)
    doomed = start_api(factory=faulty_api.FACTORY)
    with Api(doomed.url, key, sessions) as api, pytest.raises(httpx.TransportError):
        api.submit("diag.effect", {})
    doomed.running.process.wait(30)
    with sessions() as session:
        (orphan,) = session.scalars(select(Job)).all()
    assert orphan.published_at is None, "killed before its message left"
    with Api(start_api().url, key, sessions) as api:
        # the client never heard back, but the row was committed: it must run, once
        api.accepted.expected[str(orphan.id)] = "succeeded"
        api.submit("diag.effect", {})
        verify("8 api kill -9 between commit and publish", sessions, api.accepted.expected)
