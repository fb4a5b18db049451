"""The embedded PostgreSQL's durability: the dev stack and the tests skip fsync; benchmarks ask
for production's settings."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from conveyor_cli.devstack.ports import free_port
from conveyor_cli.devstack.postgres import EmbeddedPostgres

DURABILITY = ("fsync", "synchronous_commit", "full_page_writes")


def _settings(server: EmbeddedPostgres) -> dict[str, str]:
    server.start()
    try:
        with psycopg.connect(server.url()) as conn:
            return {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in DURABILITY}  # type: ignore[index]
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("durable", "expected"),
    [
        (True, {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}),
        (False, {"fsync": "off", "synchronous_commit": "on", "full_page_writes": "on"}),
    ],
)
def test_durable_option_selects_production_durability(
    tmp_path: Path, durable: bool, expected: dict[str, str]
) -> None:
    assert _settings(EmbeddedPostgres(tmp_path, free_port(), durable=durable)) == expected
