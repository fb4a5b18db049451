"""The chaos suite's own PostgreSQL and Redis, which its scenarios stop, flush and restart
without disturbing the rest of the test session, and the clocks that make faults show quickly."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack import backing, commands
from conveyor_cli.devstack.ports import free_port, wait_for_port
from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.db.migrate import upgrade
from conveyor_core.settings import Settings
from tests import processes
from tests.chaos.api import Api, ApiProcess
from tests.chaos.ledger import FIGURES, Figures
from tests.factories import make_key
from tests.processes import TEST_ENV, Running

# Short enough that every fault shows within a scenario; production values are in
# docs/reliability.md. The visibility timeout is shorter than the long tasks of scenario 5.
CHAOS_ENV = {
    **TEST_ENV,
    "CONVEYOR_VISIBILITY_TIMEOUT_SECONDS": "4",
    "CONVEYOR_WORKER_SOFT_SHUTDOWN_SECONDS": "20",
    "CONVEYOR_WORKER_LIVENESS_SECONDS": "20",
}

API_FACTORY = "conveyor_api.main:create_app"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.chaos)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("chaos ledger")
    for figures in FIGURES:
        terminalreporter.write_line(figures.line())
    total = Figures.total(FIGURES)
    terminalreporter.write_line(total.line())


@pytest.fixture(scope="session")
def backing_services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[backing.BackingServices]:
    """Always embedded here: the scenarios need to stop and restart the servers themselves."""
    services = backing.start(
        tmp_path_factory.mktemp("chaos-servers"),
        database_url=None,
        redis_url=None,
        postgres_port=free_port(),
        redis_port=free_port(),
    )
    upgrade(services.database_url, diagnostics=True)
    yield services
    services.stop()


@pytest.fixture(scope="session")
def process_env(backing_services: backing.BackingServices) -> dict[str, str]:
    return {
        **os.environ,
        **CHAOS_ENV,
        "DATABASE_URL": backing_services.database_url,
        "REDIS_URL": backing_services.redis_url,
    }


@pytest.fixture(scope="session")
def settings(process_env: dict[str, str]) -> Settings:
    overrides = {k.removeprefix("CONVEYOR_").lower(): v for k, v in CHAOS_ENV.items()}
    return Settings.model_validate(
        {
            "DATABASE_URL": process_env["DATABASE_URL"],
            "REDIS_URL": process_env["REDIS_URL"],
            **overrides,
        }
    )


@pytest.fixture(scope="session")
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings, "conveyor.tests.chaos")
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def redis_client(settings: Settings) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(settings.redis_dsn)
    yield client
    client.close()


@pytest.fixture
def start_api(process_env: dict[str, str], logs_dir: Path) -> Iterator[Callable[..., ApiProcess]]:
    """Factory: the api as a real uvicorn process on ``port`` (fresh unless given)."""
    started: list[Running] = []

    def start_one(
        *,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
        factory: str | None = None,
    ) -> ApiProcess:
        """``factory`` replaces the api's app factory (a wrapper that installs a fault)."""
        port = port or free_port()
        argv = commands.api(port)
        if factory is not None:
            argv[argv.index(API_FACTORY)] = factory
        running = processes.start(
            f"api-{len(started)}",
            argv,
            {**process_env, **(extra_env or {})},
            logs_dir,
        )
        started.append(running)
        wait_for_port(port, processes.READY_TIMEOUT_SECONDS)
        return ApiProcess(running, f"http://127.0.0.1:{port}")

    yield start_one
    for running in started:
        running.stop(signal.SIGKILL)


@pytest.fixture
def api(
    start_api: Callable[..., ApiProcess],
    sessions: sessionmaker[Session],
) -> Iterator[Api]:
    with Api(start_api().url, make_key(sessions), sessions) as client:
        yield client


@pytest.fixture
def record() -> Callable[[Figures], None]:
    return FIGURES.append
