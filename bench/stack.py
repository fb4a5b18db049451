"""Backing services and processes for benchmarks, from the same pieces as the dev stack.

PostgreSQL runs with production durability (``fsync``, ``synchronous_commit`` and
``full_page_writes`` on), unlike the dev stack's: every figure pays for the commits it makes."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.config import CONCURRENCY
from conveyor_cli.devstack import backing, commands
from conveyor_cli.devstack.ports import free_port
from conveyor_core.auth.service import create_key
from conveyor_core.db.engine import make_engine, make_sessionmaker, transaction
from conveyor_core.db.migrate import upgrade
from conveyor_core.settings import Settings
from tests import processes

POLL_SECONDS = 0.02
READY_SECONDS = 60.0


@contextmanager
def backing_services() -> Iterator[tuple[backing.BackingServices, dict[str, str], Path]]:
    """Fresh durable PostgreSQL + Redis (or BENCH_DATABASE_URL / BENCH_REDIS_URL), migrated;
    yields the services, the environment for Conveyor processes, and a scratch folder."""
    with tempfile.TemporaryDirectory(prefix="conveyor-bench-") as scratch:
        root = Path(scratch)
        services = backing.start(
            root / "servers",
            database_url=os.environ.get("BENCH_DATABASE_URL"),
            redis_url=os.environ.get("BENCH_REDIS_URL"),
            postgres_port=free_port(),
            redis_port=free_port(),
            durable=True,
        )
        try:
            upgrade(services.database_url, diagnostics=True)
            env = {
                **os.environ,
                "DATABASE_URL": services.database_url,
                "REDIS_URL": services.redis_url,
                "CONVEYOR_DIAGNOSTICS": "1",
                # the bench's own modules (the baseline apps) importable by its processes
                "PYTHONPATH": os.pathsep.join([str(Path.cwd()), *sys.path]),
            }
            (root / "logs").mkdir()
            yield services, env, root
        finally:
            services.stop()


def settings_for(env: dict[str, str]) -> Settings:
    return Settings.model_validate(
        {"DATABASE_URL": env["DATABASE_URL"], "REDIS_URL": env["REDIS_URL"], "diagnostics": True}
    )


def libpq_url(env: dict[str, str]) -> str:
    return env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


def api_key(env: dict[str, str], tenant: str) -> tuple[str, str]:
    """A new key of a new tenant: (tenant id, key)."""
    engine = make_engine(settings_for(env), "conveyor.bench")
    try:
        with transaction(make_sessionmaker(engine)) as session:
            row, key = create_key(session, tenant)
            return str(row.tenant_id), key
    finally:
        engine.dispose()


def worker(
    name: str,
    env: dict[str, str],
    logs: Path,
    app: str = "conveyor_worker.app",
    *,
    ready: bool = True,
) -> processes.Running:
    """A worker as the dev stack starts it (prefork, CONCURRENCY), on queue ``default``; ``app``
    swaps Conveyor's Celery app for a baseline's."""
    argv = commands.worker(queues="default", concurrency=CONCURRENCY, name=name)
    argv[argv.index("conveyor_worker.app")] = app
    running = processes.start(name, argv, env, logs)
    if ready:
        running.wait_for_output(processes.WORKER_READY)
    return running


@contextmanager
def api(env: dict[str, str], logs: Path) -> Iterator[tuple[processes.Running, str]]:
    """One api process (uvicorn, as the dev stack runs it); yields it and its base URL."""
    port = free_port()
    running = processes.start("api", commands.api(port), env, logs)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if running.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the api did not start:\n{running.output()[-4000:]}")
            time.sleep(0.1)
        yield running, url
    finally:
        running.stop()


class Database:
    """One autocommit connection for the bench's own polling: a new session per poll would
    cost PostgreSQL a process start each time."""

    def __init__(self, env: dict[str, str]) -> None:
        self._conn = psycopg.connect(libpq_url(env), autocommit=True)

    def scalar(self, sql: str, *params: object) -> Any:
        row = self._conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params).fetchall()

    def execute(self, sql: str, *params: object) -> None:
        self._conn.execute(sql, params)

    def execute_named(self, sql: str, values: dict[str, object]) -> None:
        self._conn.execute(sql, values)

    def close(self) -> None:
        self._conn.close()


def wait_until(
    test: Callable[[], bool], what: str, poll: float = POLL_SECONDS, timeout: float = 1800.0
) -> float:
    """Poll ``test()`` until true; returns time.perf_counter() at that moment."""
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(poll)
    return time.perf_counter()
