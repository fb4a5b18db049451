"""``conveyor dev``: the whole stack on one machine, stopped as one with Ctrl-C or SIGTERM."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from conveyor_cli.devstack import commands, stackfile
from conveyor_cli.devstack.ports import LOOPBACK, ensure_free, port_is_open
from conveyor_cli.devstack.supervisor import POLL_SECONDS, Child, Supervisor
from conveyor_cli.errors import fail
from conveyor_core.auth.keys import generate_key
from conveyor_core.broker.queue_config import QueueFileError, queue_set
from conveyor_core.db import migrate
from conveyor_core.settings import DEFAULT_METRICS_PORT, Settings

if TYPE_CHECKING:
    from conveyor_cli.devstack.backing import BackingServices

TASK_MODULES_ENV = "CONVEYOR_TASK_MODULES"  # what conveyor.discovery reads
ADMIN_KEY_FILE = "admin-key"
PROBES_DIR = "probes"
API_START_TIMEOUT_SECONDS = 120.0


def _admin_key(root: Path) -> str:
    """The dev stack's admin key, made once and kept (owner-only) under the data folder."""
    path = root / ADMIN_KEY_FILE
    if not path.exists():
        path.write_text(generate_key() + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def _shown(path: Path) -> str:
    """A path as the user can type it from here: relative when it is under this folder."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _refuse_taken_ports(api_port: int, postgres_port: int, redis_port: int, metrics: int) -> None:
    """Fail before starting anything when a port this stack needs is another's."""
    if "DATABASE_URL" not in os.environ:
        ensure_free(postgres_port, "PostgreSQL", "CONVEYOR_DEV_POSTGRES_PORT")
    if "REDIS_URL" not in os.environ:
        ensure_free(redis_port, "Redis", "CONVEYOR_DEV_REDIS_PORT")
    ensure_free(api_port, "the api", "CONVEYOR_API_PORT")
    metrics_host = os.environ.get("CONVEYOR_METRICS_HOST", LOOPBACK)
    ensure_free(metrics, "the worker's metrics", "CONVEYOR_METRICS_PORT", metrics_host)


def _child_env(root: Path, services: BackingServices, metrics_port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": services.database_url,
        "REDIS_URL": services.redis_url,
        "CONVEYOR_DIAGNOSTICS": os.environ.get("CONVEYOR_DIAGNOSTICS", "1"),
        "CONVEYOR_LOG_FORMAT": os.environ.get("CONVEYOR_LOG_FORMAT", "console"),
        "CONVEYOR_BOOTSTRAP_ADMIN_KEY": os.environ.get("CONVEYOR_BOOTSTRAP_ADMIN_KEY")
        or _admin_key(root),
        # this stack's own metrics port and probe files: two stacks never share them
        "CONVEYOR_METRICS_PORT": str(metrics_port),
        "CONVEYOR_METRICS_HOST": os.environ.get("CONVEYOR_METRICS_HOST", LOOPBACK),
        "CONVEYOR_PROBE_DIR": os.environ.get("CONVEYOR_PROBE_DIR") or str(root / PROBES_DIR),
        # the team's task modules, for every process alike (docs/tasks.md, "Discovery")
        TASK_MODULES_ENV: os.environ.get(TASK_MODULES_ENV, ""),
        "PYTHONPATH": _absolute_path_list(os.environ.get("PYTHONPATH", "")),
    }
    Path(env["CONVEYOR_PROBE_DIR"]).mkdir(parents=True, exist_ok=True)
    return env


def _refuse_bad_queues_file() -> None:
    """Every process reads CONVEYOR_QUEUES_FILE: refuse a bad one before starting any."""
    try:
        queue_set()
    except QueueFileError as error:
        fail(str(error))


def _absolute_path_list(value: str) -> str:
    """``PYTHONPATH`` with each entry made absolute: a child that changes its working folder
    still finds the modules."""
    entries = [entry for entry in value.split(os.pathsep) if entry]
    return os.pathsep.join(str(Path(entry).absolute()) for entry in entries)


def _refuse_second_stack(root: Path) -> None:
    running = stackfile.running(root)
    if running is not None:
        fail(f"a dev stack (pid {running.pid}) already runs from {_shown(root)}; stop it first")


def _banner(root: Path, api_url: str) -> str:
    cli = _shown(Path(sys.executable).parent / "conveyor")
    key = _shown(root / ADMIN_KEY_FILE)
    return (
        f"conveyor: api on {api_url} (docs at /docs); admin key in {key}; Ctrl-C stops everything\n"
        f"conveyor: the CLI, from another shell here: export CONVEYOR_API_KEY=$(cat {key}); "
        f"{cli} --help"
    )


def _wait_for_api(api: Child, port: int) -> None:
    """The banner waits for the api: the CLI commands it shows must work at once."""
    deadline = time.monotonic() + API_START_TIMEOUT_SECONDS
    while not port_is_open(port):
        if api.process.poll() is not None or time.monotonic() > deadline:
            fail(f"the api did not start on port {port}; see its lines above")
        time.sleep(POLL_SECONDS)


def dev(
    data_dir: Annotated[
        Path, typer.Option(envvar="CONVEYOR_DEV_DIR", help="Where embedded servers keep data.")
    ] = Path(stackfile.DEFAULT_DATA_DIR),
    api_port: Annotated[int, typer.Option(envvar="CONVEYOR_API_PORT")] = 8000,
    postgres_port: Annotated[int, typer.Option(envvar="CONVEYOR_DEV_POSTGRES_PORT")] = 54329,
    redis_port: Annotated[int, typer.Option(envvar="CONVEYOR_DEV_REDIS_PORT")] = 63799,
    metrics_port: Annotated[
        int, typer.Option(envvar="CONVEYOR_METRICS_PORT", help="The worker's metrics.")
    ] = DEFAULT_METRICS_PORT,
    concurrency: Annotated[int, typer.Option(help="Worker processes.")] = 2,
) -> None:
    """Run PostgreSQL, Redis, the api, one worker on every queue, and beat."""
    from conveyor_cli.devstack import backing  # the embedded servers load only when used

    root = data_dir.resolve()
    _refuse_bad_queues_file()
    _refuse_second_stack(root)
    _refuse_taken_ports(api_port, postgres_port, redis_port, metrics_port)
    services = backing.start(
        root,
        database_url=os.environ.get("DATABASE_URL"),
        redis_url=os.environ.get("REDIS_URL"),
        postgres_port=postgres_port,
        redis_port=redis_port,
    )
    supervisor = Supervisor()
    code = 1
    api_url = f"http://{LOOPBACK}:{api_port}"
    try:
        env = _child_env(root, services, metrics_port)
        migrate.upgrade(
            services.database_url,
            diagnostics=Settings(diagnostics=env["CONVEYOR_DIAGNOSTICS"]).diagnostics,
        )
        api = supervisor.spawn("api", commands.api(api_port), env)
        supervisor.spawn("worker", commands.worker(concurrency=concurrency), env)
        supervisor.spawn("beat", commands.beat(), env)
        _wait_for_api(api, api_port)
        stackfile.write(
            root,
            stackfile.Stack(os.getpid(), api_url, services.database_url, services.redis_url),
        )
        typer.echo(_banner(root, api_url))
        code = supervisor.wait()
    finally:
        stackfile.remove(root)
        supervisor.stop_all()
        services.stop()
    raise typer.Exit(code)
