"""The api app in this process, its database work on the test's ``sessions``."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_api.main import create_app
from conveyor_api.resources import ApiResources
from conveyor_core.settings import Settings


@contextmanager
def app_client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """A started app whose requests use ``sessions``: under a rolled-back test they join its
    transaction. Its lifespan (the bootstrap key) runs on the app's own engine before that."""
    with TestClient(create_app(settings)) as client:
        app = client.app
        resources: ApiResources = app.state.resources  # type: ignore[attr-defined]
        app.state.resources = dataclasses.replace(resources, sessions=sessions)  # type: ignore[attr-defined]
        yield client
