"""Run several processes as one: prefixed output, and all of them stop when one does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from conveyor_cli.devstack import children

POLL_SECONDS = 0.2


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


class Supervisor:
    def __init__(self) -> None:
        self.children: list[Child] = []
        self._stopping = threading.Event()
        self._width = 8

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        process = subprocess.Popen(
            argv,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=children.child_setup(),
        )
        child = Child(name, process)
        self.children.append(child)
        threading.Thread(target=self._relay, args=(child,), daemon=True).start()
        return child

    def _relay(self, child: Child) -> None:
        assert child.process.stdout is not None
        prefix = f"{child.name:<{self._width}}| ".encode()
        for line in child.process.stdout:
            sys.stdout.buffer.write(prefix + line)
            sys.stdout.buffer.flush()

    def request_stop(self, *_: object) -> None:
        self._stopping.set()

    def wait(self) -> int:
        """Block until a stop is requested or a child exits; returns the exit code to use."""
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        while not self._stopping.wait(POLL_SECONDS):
            for child in self.children:
                code = child.process.poll()
                if code is not None:
                    print(f"{child.name} exited with {code}; stopping everything", flush=True)
                    return code or 1
        return 0

    def stop_all(self) -> None:
        for child in self.children:
            if child.process.poll() is None:
                os.killpg(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + children.STOP_TIMEOUT_SECONDS
        for child in self.children:
            remaining = max(0.0, deadline - time.monotonic())
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
