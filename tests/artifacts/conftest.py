"""Artifact fixtures: an api with a small upload limit, and a real S3-compatible server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port, wait_for_port
from conveyor_core.settings import Settings
from tests import processes
from tests.artifacts.uploads import S3_CREDENTIALS, SMALL_LIMIT
from tests.inprocess import app_client


@pytest.fixture
def small_client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """The api with CONVEYOR_MAX_UPLOAD_BYTES at 64 KiB."""
    limited = settings.model_copy(update={"max_upload_bytes": SMALL_LIMIT})
    with app_client(limited, sessions) as test_client:
        yield test_client


@pytest.fixture
def small_api_server(process_env: dict[str, str], logs_dir: Path) -> Iterator[str]:
    """A real api process with CONVEYOR_MAX_UPLOAD_BYTES at 64 KiB."""
    port = free_port()
    env = {**process_env, "CONVEYOR_MAX_UPLOAD_BYTES": str(SMALL_LIMIT)}
    running = processes.start("api-small-uploads", commands.api(port), env, logs_dir)
    wait_for_port(port, processes.READY_TIMEOUT_SECONDS)
    yield f"http://127.0.0.1:{port}"
    running.stop()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server as a real local HTTP server, with an empty bucket."""
    executable = shutil.which("moto_server")
    assert executable is not None, "moto[server] is a dev dependency: run `make sync`"
    port = free_port()
    running = processes.start(
        "moto",
        [executable, "-H", "127.0.0.1", "-p", str(port)],
        {**os.environ, **S3_CREDENTIALS},
        tmp_path_factory.mktemp("moto"),
    )
    try:
        wait_for_port(port, processes.READY_TIMEOUT_SECONDS)
        yield f"http://127.0.0.1:{port}"
    finally:
        running.stop()
