"""Migration 0006 on a database of its own: existing schedules keep running, and back."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic import command

from conveyor_cli.devstack.backing import BackingServices
from conveyor_core.db.migrate import alembic_config

INSERT = (
    "INSERT INTO schedules (id, tenant_id, name, kind, params, cron, interval_seconds, enabled)"
    " VALUES (gen_random_uuid(), %s, %s, 'diag.effect', '{}', %s, %s, true)"
)


def test_0006_keeps_what_beat_fired_and_drops_schedules_without_a_timing(
    backing_services: BackingServices,
) -> None:
    if backing_services.postgres is None:
        pytest.skip("needs the embedded PostgreSQL to create a database of its own")
    name = f"conveyor_migration_{uuid.uuid4().hex[:8]}"
    backing_services.postgres.create_database(name)
    url = backing_services.postgres.url(name)
    config = alembic_config(url)
    command.upgrade(config, "0003")
    tenant = uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO tenants (id, name) VALUES (%s, 'acme')", [tenant])
        for row in [("interval", None, 60), ("neither", None, None), ("both", "* * * * *", 5)]:
            conn.execute(INSERT, [tenant, *row])
        command.upgrade(config, "0006")
        rows = conn.execute(
            "SELECT name, cron, interval_seconds, timezone, overlap, last_job_id"
            " FROM schedules ORDER BY name"
        ).fetchall()
        assert rows == [
            ("both", None, 5, "UTC", "allow", None),  # beat fired it by its interval
            ("interval", None, 60, "UTC", "allow", None),
        ]
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(INSERT, [tenant, "again-neither", None, None])
        command.downgrade(config, "0003")
        names = conn.execute("SELECT name FROM schedules ORDER BY name").fetchall()
        assert names == [("both",), ("interval",)]
