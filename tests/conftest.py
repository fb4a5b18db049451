"""Test session: real PostgreSQL and Redis (embedded, or external from CONVEYOR_TEST_*_URL),
schema from the migrations, a clean database and broker for every test."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_api.main import create_app
from conveyor_cli.devstack import backing, commands
from conveyor_cli.devstack.ports import free_port, wait_for_port
from conveyor_core.auth.keys import DEFAULT_SCOPES, Scope
from conveyor_core.auth.repository import ensure_tenant
from conveyor_core.auth.service import create_key
from conveyor_core.db.base import Base
from conveyor_core.db.engine import make_engine, make_sessionmaker, transaction
from conveyor_core.db.migrate import upgrade
from conveyor_core.settings import Environment, Settings
from tests import processes
from tests.processes import Running

# Short clocks so lease expiry and the reconciler act within a test's patience.
TEST_ENV = {
    "CONVEYOR_ENV": Environment.TEST.value,
    "CONVEYOR_DIAGNOSTICS": "1",
    "CONVEYOR_HEARTBEAT_SECONDS": "0.5",
    "CONVEYOR_LEASE_SECONDS": "3",
    "CONVEYOR_RECONCILE_INTERVAL_SECONDS": "0.5",
    "CONVEYOR_LOG_FORMAT": "json",
    # the api that holds the metrics reporter lease serves the cluster gauges at once
    "CONVEYOR_METRICS_SCRAPE_INTERVAL_SECONDS": "0",
}


@pytest.fixture(scope="session")
def backing_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[backing.BackingServices]:
    services = backing.start(
        tmp_path_factory.mktemp("servers"),
        database_url=os.environ.get("CONVEYOR_TEST_DATABASE_URL"),
        redis_url=os.environ.get("CONVEYOR_TEST_REDIS_URL"),
        postgres_port=free_port(),
        redis_port=free_port(),
    )
    upgrade(services.database_url, diagnostics=True)
    yield services
    services.stop()


@pytest.fixture(scope="session")
def process_env(backing_services: backing.BackingServices) -> dict[str, str]:
    """The environment every Conveyor process started by a test runs with."""
    return {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": backing_services.database_url,
        "REDIS_URL": backing_services.redis_url,
    }


@pytest.fixture(scope="session")
def settings(process_env: dict[str, str]) -> Settings:
    overrides = {k.removeprefix("CONVEYOR_").lower(): v for k, v in TEST_ENV.items()}
    return Settings.model_validate(
        {
            "DATABASE_URL": process_env["DATABASE_URL"],
            "REDIS_URL": process_env["REDIS_URL"],
            **overrides,
        }
    )


@pytest.fixture(scope="session")
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings, "conveyor.tests")
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def redis_client(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.redis_dsn)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> None:
    """Every test that touches the backing services starts from empty tables and broker."""
    if "backing_services" not in request.fixturenames and not _uses_services(request):
        return
    sessions = request.getfixturevalue("sessions")
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with sessions() as session, session.begin():
        session.execute(text(f"TRUNCATE {tables} CASCADE"))
    request.getfixturevalue("redis_client").flushdb()


def _uses_services(request: pytest.FixtureRequest) -> bool:
    needs = {
        "sessions",
        "settings",
        "redis_client",
        "process_env",
        "client",
        "worker",
        "beat",
        "api_server",
    }
    return bool(needs & set(request.fixturenames))


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def make_key(sessions: sessionmaker[Session]) -> Callable[..., str]:
    """Factory: an API key for a tenant, with the default scopes unless told otherwise."""

    def make(*, tenant: str = "acme", scopes: Sequence[Scope] = DEFAULT_SCOPES) -> str:
        with transaction(sessions) as session:
            _, key = create_key(session, tenant, scopes)
        return key

    return make


@pytest.fixture
def auth(make_key: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key()}"}


@pytest.fixture
def start_worker(process_env: dict[str, str], logs_dir: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start_one(
        *,
        queues: str = commands.ALL_QUEUES,
        concurrency: int = 2,
        name: str = "worker",
        extra_env: dict[str, str] | None = None,
    ) -> Running:
        # each its own metrics port: a worker refuses to run without one
        env = {**process_env, "CONVEYOR_METRICS_PORT": str(free_port()), **(extra_env or {})}
        running = processes.start(
            f"{name}-{len(started)}",
            commands.worker(queues=queues, concurrency=concurrency, name=f"{name}{len(started)}"),
            env,
            logs_dir,
        )
        started.append(running)
        running.wait_for_output(" ready.")
        return running

    yield start_one
    for running in started:
        running.stop(signal.SIGKILL)


@pytest.fixture
def worker(start_worker: Callable[..., Running]) -> Running:
    return start_worker()


@pytest.fixture
def beat(process_env: dict[str, str], logs_dir: Path) -> Iterator[Running]:
    running = processes.start("beat", commands.beat(), process_env, logs_dir)
    running.wait_for_output('"leading": true')
    yield running
    running.stop(signal.SIGKILL)


@pytest.fixture
def api_server(process_env: dict[str, str], logs_dir: Path) -> Iterator[str]:
    """The api as a real uvicorn process (for streaming and the OpenAPI-driven tests)."""
    port = free_port()
    running = processes.start("api", commands.api(port), process_env, logs_dir)
    wait_for_port(port, processes.READY_TIMEOUT_SECONDS)
    yield f"http://127.0.0.1:{port}"
    running.stop()


@pytest.fixture
def make_tenant(sessions: sessionmaker[Session]) -> uuid.UUID:
    with transaction(sessions) as session:
        tenant_id: uuid.UUID = ensure_tenant(session, "acme").id
    return tenant_id
