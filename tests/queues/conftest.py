"""A deployment with queues of its own: a CONVEYOR_QUEUES_FILE this test process reads (for the
in-process api) and passes to the processes it starts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.queue_config import QUEUES_FILE_ENV, queue_set
from conveyor_core.settings import Settings
from tests.inprocess import app_client
from tests.queues.configured import QUEUES_YAML


@pytest.fixture
def queues_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "queues.yaml"
    path.write_text(QUEUES_YAML)
    monkeypatch.setenv(QUEUES_FILE_ENV, str(path))
    queue_set.cache_clear()
    yield path
    queue_set.cache_clear()


@pytest.fixture
def queues_env(queues_file: Path) -> dict[str, str]:
    """The extra environment of a process started on the configured queues."""
    return {QUEUES_FILE_ENV: str(queues_file)}


@pytest.fixture
def configured_client(
    queues_file: Path, settings: Settings, sessions: sessionmaker[Session]
) -> Iterator[TestClient]:
    """The api of a deployment with the configured queues (created after the file is read)."""
    with app_client(settings, sessions) as test_client:
        yield test_client
