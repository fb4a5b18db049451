"""The artifacts-and-datasets migration applies and reverts on a database of its own."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic import command
from alembic.script import ScriptDirectory

from conveyor_cli.devstack.backing import BackingServices
from conveyor_core.db.migrate import alembic_config

REVISION = "0005"
TABLES = ("artifacts", "artifact_chunks", "datasets", "dataset_records")


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {name for (name,) in rows}


def test_the_migration_creates_and_drops_its_tables(backing_services: BackingServices) -> None:
    if backing_services.postgres is None:
        pytest.skip("needs the embedded PostgreSQL to create a database of its own")
    name = f"conveyor_migration_{uuid.uuid4().hex[:8]}"
    backing_services.postgres.create_database(name)
    url = backing_services.postgres.url(name)
    config = alembic_config(url)
    previous = ScriptDirectory.from_config(config).get_revision(REVISION).down_revision
    assert isinstance(previous, str)
    command.upgrade(config, REVISION)
    assert set(TABLES) <= _tables(url)
    with psycopg.connect(url) as conn:
        storage = conn.execute(
            "SELECT attstorage FROM pg_attribute"
            " WHERE attrelid = 'artifact_chunks'::regclass AND attname = 'data'"
        ).fetchone()
    assert storage == ("e",)  # out of line, not compressed a second time
    command.downgrade(config, previous)
    assert not set(TABLES) & _tables(url)
