"""Test session: real PostgreSQL and Redis (embedded, or external from CONVEYOR_TEST_*_URL),
schema from the migrations, and each test isolated.

A test that stays in this process runs inside one transaction, rolled back after it. A test
marked ``commits`` (every test that starts a Conveyor process is marked so at collection)
commits for real and empties the tables before and after itself. The broker is flushed
before every test that touches the backing services."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import backing, commands
from conveyor_cli.devstack.ports import free_port, wait_for_port
from conveyor_core.auth.keys import Scope
from conveyor_core.db.base import Base
from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.db.migrate import upgrade
from conveyor_core.settings import Settings
from tests import factories, processes
from tests.inprocess import app_client
from tests.processes import TEST_ENV, Running

# what a test asks for when it starts a Conveyor process (all of them need process_env)
CROSS_PROCESS_FIXTURES = {"process_env"}
SERVICE_FIXTURES = {"backing_services", "sessions", "settings", "redis_client", "engine"}


@pytest.hookimpl(tryfirst=True)  # before -m selects on the marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts a Conveyor process commits: the process cannot see its transaction."""
    for item in items:
        if CROSS_PROCESS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.commits)


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
def settings(backing_services: backing.BackingServices) -> Settings:
    overrides = {k.removeprefix("CONVEYOR_").lower(): v for k, v in TEST_ENV.items()}
    return Settings.model_validate(
        {
            "DATABASE_URL": backing_services.database_url,
            "REDIS_URL": backing_services.redis_url,
            **overrides,
        }
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings, "conveyor.tests")
    truncate(make_sessionmaker(engine))  # an external database may hold an earlier run's rows
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(request: pytest.FixtureRequest, engine: Engine) -> Iterator[sessionmaker[Session]]:
    """The test's sessions: a ``commits`` test's commit for real; any other test's join one
    transaction, rolled back after the test (a session's commit releases a savepoint)."""
    if request.node.get_closest_marker("commits"):
        yield make_sessionmaker(engine)
        return
    with engine.connect() as connection:
        outer = connection.begin()
        yield sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        outer.rollback()
    _refuse_leaks(request, make_sessionmaker(engine))


def _refuse_leaks(request: pytest.FixtureRequest, sessions: sessionmaker[Session]) -> None:
    """Every row a test writes belongs to a tenant: one left after the rollback was committed
    by a connection of its own (an app started without ``app_client``, a thread's engine)."""
    with sessions() as session:
        leaked = session.scalar(text("SELECT EXISTS (SELECT FROM tenants)"))
    if leaked:
        truncate(sessions)
        pytest.fail(f"{request.node.nodeid} committed outside its transaction: mark it commits")


def truncate(sessions: sessionmaker[Session]) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with sessions() as session, session.begin():
        session.execute(text(f"TRUNCATE {tables} CASCADE"))


@pytest.fixture(scope="session")
def redis_client(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.redis_dsn)
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """An empty broker for every test on the backing services; empty tables before and after
    a ``commits`` test (torn down last, after the processes it started have stopped)."""
    if not SERVICE_FIXTURES & set(request.fixturenames):
        yield
        return
    request.getfixturevalue("redis_client").flushdb()
    if request.node.get_closest_marker("commits") is None:
        yield
        return
    sessions = request.getfixturevalue("sessions")
    truncate(sessions)
    yield
    truncate(sessions)


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


@pytest.fixture
def client(settings: Settings, sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    with app_client(settings, sessions) as test_client:
        yield test_client


@pytest.fixture
def tenant_id(sessions: sessionmaker[Session]) -> uuid.UUID:
    """The default tenant's id (the one ``auth``'s key belongs to)."""
    return factories.make_tenant(sessions)


@pytest.fixture
def auth(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Headers with a key of the default tenant and scopes."""
    return factories.make_auth(sessions)


@pytest.fixture
def admin(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Headers with an admin key of the default tenant."""
    return factories.make_auth(sessions, scopes=[Scope.ADMIN])


@pytest.fixture
def start_worker(process_env: dict[str, str], logs_dir: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start_one(
        *,
        queues: str | None = None,
        concurrency: int = 2,
        name: str = "worker",
        extra_env: dict[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> Running:
        # each its own metrics port: a worker refuses to run without one
        env = {**process_env, "CONVEYOR_METRICS_PORT": str(free_port()), **(extra_env or {})}
        argv = commands.worker(queues=queues, concurrency=concurrency, name=f"{name}{len(started)}")
        running = processes.start(
            f"{name}-{len(started)}",
            [*argv, *extra_args],
            env,
            logs_dir,
        )
        started.append(running)
        running.wait_for_output(processes.WORKER_READY)
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
    running.wait_for_event(processes.LEADERSHIP, leading=True)
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
