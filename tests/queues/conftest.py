"""A deployment with queues of its own: a CONVEYOR_QUEUES_FILE this test process reads (for the
in-process api) and passes to the processes it starts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conveyor_api.main import create_app
from conveyor_core.broker.queue_config import QUEUES_FILE_ENV, queue_set
from conveyor_core.settings import Settings

# backfill_high never retries and stops a task after one second: outcomes the default
# queue's policy (three retries, five minutes) would not give
QUEUES_YAML = """\
queues:
  backfill_high:
    max_retries: 0
    soft_time_limit_seconds: 1
    time_limit_seconds: 30
  data_import: {}
  billing:
    max_retries: 12
"""
CONFIGURED = ("backfill_high", "data_import")


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
def configured_client(queues_file: Path, settings: Settings) -> Iterator[TestClient]:
    """The api of a deployment with the configured queues (created after the file is read)."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client
