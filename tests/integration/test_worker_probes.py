from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.processes import Running
from tests.waiting import until


def probe(kind: str, env: dict[str, str]) -> int:
    return subprocess.run(
        [sys.executable, "-m", "conveyor_worker.observability.probes", kind],
        env=env,
        capture_output=True,
        check=False,
    ).returncode


def test_probes_fail_before_the_worker_and_pass_while_it_consumes(
    start_worker: Callable[..., Running], process_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**process_env, "CONVEYOR_PROBE_DIR": str(tmp_path)}
    assert probe("live", env) == 1
    assert probe("ready", env) == 1
    start_worker(extra_env=env)
    until(lambda: probe("ready", env) == 0, what="readiness")
    assert probe("live", env) == 0


def test_liveness_fails_when_the_worker_stops_touching_it(
    start_worker: Callable[..., Running], process_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **process_env,
        "CONVEYOR_PROBE_DIR": str(tmp_path),
        "CONVEYOR_WORKER_LIVENESS_SECONDS": "2",
    }
    worker = start_worker(extra_env=env)
    until(lambda: probe("live", env) == 0, what="liveness")
    worker.send(signal.SIGSTOP)  # the process is there but its event loop no longer runs
    until(lambda: probe("live", env) == 1, timeout=15, what="liveness to fail")
    worker.send(signal.SIGCONT)


def test_probe_usage_error_exits_2(process_env: dict[str, str]) -> None:
    assert probe("sideways", process_env) == 2
