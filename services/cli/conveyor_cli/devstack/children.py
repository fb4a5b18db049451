"""Starting helper server processes that die with us and stop cleanly."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from collections.abc import Callable

from conveyor_cli.errors import CliError

PR_SET_PDEATHSIG = 1
STOP_TIMEOUT_SECONDS = 15.0


class ServerFailed(CliError):
    """An embedded server did not come up as the one we started."""


def die_with_parent() -> None:
    """Ask the kernel to SIGTERM this child when its parent dies (even by SIGKILL)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def child_setup(new_session: bool = True) -> Callable[[], None]:
    def setup() -> None:
        if new_session:
            os.setsid()
        die_with_parent()

    return setup


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Signal the child's process group, then kill it if it does not leave in time."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
