"""CPU time spent by the processes of a run, so a benchmark can say where its time went.

Wall-clock throughput on a shared machine varies from run to run; the CPU seconds each process
tree spent on the same work vary far less, and they name the part that costs.
"""

from __future__ import annotations

import contextlib

import psutil


def tree_seconds(pid: int, *, descendants: bool = True) -> float:
    """User + system CPU time of a process (and of its descendants, living or reaped)."""
    root = psutil.Process(pid)
    members = [root, *root.children(recursive=True)] if descendants else [root]
    total = 0.0
    for process in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            total += times.user + times.system
            if descendants:  # exited children that were waited for (closed database sessions)
                total += times.children_user + times.children_system
    return total


class Meter:
    """CPU seconds per named process tree between ``start()`` and ``stop()``."""

    def __init__(self, trees: dict[str, tuple[int, bool]]) -> None:
        self._trees = trees  # name -> (pid, with descendants)
        self._started: dict[str, float] = {}

    def start(self) -> None:
        self._started = {
            name: tree_seconds(pid, descendants=d) for name, (pid, d) in self._trees.items()
        }

    def stop(self) -> dict[str, float]:
        return {
            name: tree_seconds(pid, descendants=d) - self._started[name]
            for name, (pid, d) in self._trees.items()
        }
