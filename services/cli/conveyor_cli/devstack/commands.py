"""The command lines of Conveyor's processes, shared by the dev stack and the tests."""

from __future__ import annotations

import sys

from conveyor_core.broker.queue_config import queue_set


def api(port: int, host: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "conveyor_api.main:create_app",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
    ]


def worker(
    queues: str | None = None, concurrency: int = 2, name: str = "dev", pool: str = "prefork"
) -> list[str]:
    """A worker on ``queues`` (comma-separated), by default every queue this process's
    configuration names (``CONVEYOR_QUEUES_FILE`` is passed on to the worker too)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "conveyor_worker.app",
        "worker",
        "-Q",
        queues or ",".join(queue_set().names),
        "-c",
        str(concurrency),
        "-P",
        pool,
        "-n",
        f"{name}@%h",
        "--without-mingle",
        "-l",
        "INFO",
    ]


def beat() -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "conveyor_beat.app", "beat", "-l", "INFO"]
