"""Artifact fixtures: an api with a small upload limit, and a real S3-compatible server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conveyor_api.main import create_app
from conveyor_cli.devstack import commands
from conveyor_cli.devstack.ports import free_port, wait_for_port
from conveyor_core.settings import Settings
from tests import processes

ARTIFACTS = "/api/v1/artifacts"
SMALL_LIMIT = 64 * 1024
S3_BUCKET = "conveyor-artifacts"
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "conveyor-test",
    "AWS_SECRET_ACCESS_KEY": "conveyor-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def small_client(settings: Settings) -> Iterator[TestClient]:
    """The api with CONVEYOR_MAX_UPLOAD_BYTES at 64 KiB."""
    limited = settings.model_copy(update={"max_upload_bytes": SMALL_LIMIT})
    with TestClient(create_app(limited)) as test_client:
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


@pytest.fixture
def upload() -> Callable[..., dict[str, object]]:
    """Factory: upload ``content`` through a client and return the artifact's JSON."""

    def send(
        client: TestClient,
        headers: dict[str, str],
        content: bytes = b"hello, artifact\n",
        *,
        name: str = "hello.txt",
        content_type: str = "text/plain",
    ) -> dict[str, object]:
        response = client.post(
            ARTIFACTS, files={"file": (name, content, content_type)}, headers=headers
        )
        assert response.status_code == 201, response.text
        body: dict[str, object] = response.json()
        return body

    return send


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
