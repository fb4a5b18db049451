"""Real Conveyor processes for tests: started from the same command lines as the dev stack."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from conveyor_cli.devstack import children
from conveyor_core.settings import Environment

T = TypeVar("T")
READY_TIMEOUT_SECONDS = 60.0

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

# Celery's own banner line (not one of Conveyor's events) once a worker consumes
WORKER_READY = " ready."
# the log events tests wait for, as the processes name them
LEADERSHIP = "beat leadership changed"
DELIVERY_IGNORED = "delivery ignored: row already claimed, finished or not due"
OUTCOME_DROPPED = "outcome dropped: row no longer ours"
JOB_FINALIZED = "job finalized"


class Running:
    def __init__(self, name: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.name, self.process, self.log = name, process, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def log_events(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far, parsed (other output, and a line still being
        written, skipped)."""
        complete = self.output().rpartition("\n")[0]
        return [json.loads(line) for line in complete.splitlines() if line.startswith("{")]

    def events(self, event: str, **fields: Any) -> list[dict[str, Any]]:
        """The log events named ``event`` whose ``fields`` have the values given."""
        return [
            line
            for line in self.log_events()
            if line.get("event") == event and all(line.get(k) == v for k, v in fields.items())
        ]

    def wait_for_event(
        self, event: str, timeout: float = READY_TIMEOUT_SECONDS, **fields: Any
    ) -> dict[str, Any]:
        """The first log event named ``event`` with ``fields``, once the process has logged it."""
        found = self._wait(lambda: self.events(event, **fields), f"{event!r} {fields}", timeout)
        return found[0]

    def wait_for_output(self, needle: str, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """For output that is not a log event (Celery's banner, a CLI's lines)."""
        self._wait(lambda: needle in self.output(), repr(needle), timeout)

    def _wait(self, probe: Callable[[], T], what: str, timeout: float) -> T:
        deadline = time.monotonic() + timeout
        while not (found := probe()):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.output()[-4000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no {what}:\n{self.output()[-4000:]}")
            time.sleep(0.1)
        return found

    def send(self, sig: int) -> None:
        os.kill(self.process.pid, sig)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        children.stop(self.process, sig)


def start(name: str, argv: list[str], env: dict[str, str], logs: Path) -> Running:
    """Start ``argv`` with its output in a file of its own under ``logs``: ``NAME.log``, or
    ``NAME.2.log`` and on for a process started again under the same name, so waiting for a
    line never finds the one a predecessor wrote."""
    log = logs / f"{name}.log"
    restarts = 1
    while log.exists():
        restarts += 1
        log = logs / f"{name}.{restarts}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=children.child_setup(),
        )
    return Running(name, process, log)
