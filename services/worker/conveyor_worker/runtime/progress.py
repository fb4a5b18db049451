"""``ctx.progress``: what a task reports, written at most once a second per execution.

A report that comes too soon after the last write waits: the next report past the interval,
the lease keeper's next beat, or the end of the execution writes it, so the last word always
reaches the job's row and its event stream.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from conveyor_core.models.job import PROGRESS_MESSAGE_LENGTH

PROGRESS_INTERVAL_SECONDS = 1.0  # the job's row takes one progress write a second at most

Write = Callable[[float, str | None], None]


def percent_of(done: int, total: int) -> float:
    if done < 0 or total < 0:
        raise ValueError(f"progress counts are >= 0, not done={done}, total={total}")
    return round(100.0 * min(done, total) / total, 1) if total else 0.0


class ProgressReporter:
    def __init__(self, write: Write, clock: Callable[[], float] = time.monotonic) -> None:
        self._write, self._clock = write, clock
        self._lock = threading.Lock()
        self._pending: tuple[float, str | None] | None = None
        self._written_at: float | None = None

    def report(self, done: int, total: int, message: str | None = None) -> None:
        percent = percent_of(done, total)
        text = None if message is None else str(message)[:PROGRESS_MESSAGE_LENGTH]
        with self._lock:
            self._pending = (percent, text)
            last = self._written_at
            if last is None or self._clock() - last >= PROGRESS_INTERVAL_SECONDS:
                self._flush_locked()

    def flush(self) -> None:
        """Write a report still waiting (the lease keeper's beat, the execution's end)."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self._pending is None:
            return
        percent, message = self._pending
        self._pending = None
        self._written_at = self._clock()
        self._write(percent, message)
