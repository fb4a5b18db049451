"""Real Conveyor processes for tests: started from the same command lines as the dev stack."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from conveyor_cli.devstack import children

READY_TIMEOUT_SECONDS = 60.0


class Running:
    def __init__(self, name: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.name, self.process, self.log = name, process, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def log_events(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far, parsed (other output skipped)."""
        return [json.loads(line) for line in self.output().splitlines() if line.startswith("{")]

    def wait_for_output(self, needle: str, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while needle not in self.output():
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.output()[-4000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no {needle!r}:\n{self.output()[-4000:]}")
            time.sleep(0.1)

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
