"""`conveyor dev` on a machine where ports may be taken: a clear error, never another stack's
servers; and the README's command lines run as written against a real dev stack."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conveyor_cli.devstack.backing import BackingServices
from conveyor_cli.devstack.children import ServerFailed
from conveyor_cli.devstack.ports import free_port
from conveyor_cli.devstack.postgres import EmbeddedPostgres
from conveyor_cli.devstack.redis import EmbeddedRedis
from tests.cli import PORT_VARIABLES, one_line_error, stack_env

REFUSAL_TIMEOUT_SECONDS = 60


@pytest.fixture
def listener() -> Iterator[int]:
    """A port some other program listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


@pytest.mark.parametrize("variable", PORT_VARIABLES)
def test_a_taken_port_is_an_error_naming_it_and_its_variable(
    variable: str, listener: int, tmp_path: Path
) -> None:
    env = stack_env(tmp_path / ".conveyor", **{variable: listener})
    result = subprocess.run(
        ["conveyor", "dev"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=REFUSAL_TIMEOUT_SECONDS,
    )
    line = one_line_error(result)
    assert f"port {listener}" in line
    assert variable in line


def test_redis_readiness_waits_for_our_own_server(tmp_path: Path) -> None:
    port = free_port()
    other = EmbeddedRedis(tmp_path / "other", port)
    other.start()
    try:
        ours = EmbeddedRedis(tmp_path / "ours", port)
        with pytest.raises(ServerFailed, match=f"port {port}"):
            ours.start()
        ours.stop()
    finally:
        other.stop()


def test_postgres_readiness_waits_for_our_own_server(
    backing_services: BackingServices, tmp_path: Path
) -> None:
    if backing_services.postgres is None:
        pytest.skip("the tests use an external PostgreSQL")
    ours = EmbeddedPostgres(tmp_path, backing_services.postgres.port)
    try:
        with pytest.raises(ServerFailed, match=f"port {backing_services.postgres.port}"):
            ours.start()
    finally:
        ours.stop()
