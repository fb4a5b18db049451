"""Backing services and processes for benchmarks, from the same pieces as the dev stack."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conveyor_cli.devstack import backing
from conveyor_cli.devstack.ports import free_port
from conveyor_core.db.migrate import upgrade
from conveyor_core.settings import Settings


@contextmanager
def backing_services() -> Iterator[tuple[backing.BackingServices, dict[str, str], Path]]:
    """Fresh PostgreSQL + Redis (or BENCH_DATABASE_URL / BENCH_REDIS_URL), migrated; yields the
    services, the environment for Conveyor processes, and a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="conveyor-bench-") as scratch:
        root = Path(scratch)
        services = backing.start(
            root / "servers",
            database_url=os.environ.get("BENCH_DATABASE_URL"),
            redis_url=os.environ.get("BENCH_REDIS_URL"),
            postgres_port=free_port(),
            redis_port=free_port(),
        )
        try:
            upgrade(services.database_url, diagnostics=True)
            env = {
                **os.environ,
                "DATABASE_URL": services.database_url,
                "REDIS_URL": services.redis_url,
                "CONVEYOR_DIAGNOSTICS": "1",
            }
            yield services, env, root
        finally:
            services.stop()


def settings_for(env: dict[str, str]) -> Settings:
    return Settings.model_validate(
        {"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": env["REDIS_URL"], "diagnostics": True}
    )
