from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic import command

from conveyor_cli.devstack.backing import BackingServices
from conveyor_core.db.migrate import alembic_config, upgrade


def test_models_and_migrations_agree(backing_services: BackingServices) -> None:
    # raises when autogenerate would produce any operation
    command.check(alembic_config(backing_services.database_url))


def test_0003_counts_queued_and_running_items_as_unfinished_and_back(
    backing_services: BackingServices,
) -> None:
    if backing_services.postgres is None:
        pytest.skip("needs the embedded PostgreSQL to create a database of its own")
    name = f"conveyor_migration_{uuid.uuid4().hex[:8]}"
    backing_services.postgres.create_database(name)
    url = backing_services.postgres.url(name)
    config = alembic_config(url)
    command.upgrade(config, "0002")
    tenant, job = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO tenants (id, name) VALUES (%s, 'acme')", [tenant])
        conn.execute(
            "INSERT INTO jobs (id, tenant_id, kind, queue, priority, status, total_items,"
            " queued_items, running_items, succeeded_items)"
            " VALUES (%s, %s, 'diag.fanout', 'default', 5, 'running', 10, 3, 2, 5)",
            [job, tenant],
        )
        conn.execute(
            "INSERT INTO job_items (id, job_id, position, status)"
            " SELECT gen_random_uuid(), %s, n, CASE WHEN n < 2 THEN 'running' ELSE 'queued' END"
            " FROM generate_series(0, 4) AS n",
            [job],
        )
        command.upgrade(config, "0003")
        assert conn.execute("SELECT unfinished_items FROM jobs").fetchone() == (5,)
        command.downgrade(config, "0002")
        counters = conn.execute("SELECT queued_items, running_items FROM jobs").fetchone()
        assert counters == (3, 2)


def _tables(url: str) -> set[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {name for (name,) in rows}


def test_the_effect_ledger_is_migrated_only_with_diagnostics_on_and_downgrades_back(
    backing_services: BackingServices,
) -> None:
    if backing_services.postgres is None:
        pytest.skip("needs the embedded PostgreSQL to create a database of its own")
    name = f"conveyor_migration_{uuid.uuid4().hex[:8]}"
    backing_services.postgres.create_database(name)
    url = backing_services.postgres.url(name)
    upgrade(url, diagnostics=False)
    assert "jobs" in _tables(url)
    assert "diag_effects" not in _tables(url), "the production schema has no diagnostic table"
    upgrade(url, diagnostics=True)
    assert "diag_effects" in _tables(url)
    command.check(alembic_config(url, diagnostics=True))
    command.downgrade(alembic_config(url), "0003")
    assert "diag_effects" in _tables(url), "before 0004 every database had the ledger"
    upgrade(url, diagnostics=False)
    assert "diag_effects" not in _tables(url)
