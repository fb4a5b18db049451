"""Exceptions a task raises to steer its retries.

Any other exception is retried by the queue's policy (retries, backoff, cap, jitter).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# the class the worker runtime catches: re-exported, not redefined, so both names are one class
from conveyor_core.jobs.errors import NonRetryable

__all__ = ["NonRetryable", "RetryAfter"]


class RetryAfter(Exception):
    """Retry this execution, but no sooner than ``seconds`` from now.

    It counts as a retry of the queue's policy; the wait is the longer of ``seconds`` and the
    policy's backoff. Raise it with an upstream's ``Retry-After`` (see :meth:`from_header`).
    """

    def __init__(self, seconds: float, message: str | None = None) -> None:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"RetryAfter needs a finite number of seconds >= 0, not {seconds!r}")
        super().__init__(message or f"retry after {seconds:g} s")
        self.seconds = float(seconds)

    @classmethod
    def from_header(
        cls, value: str, message: str | None = None, *, now: datetime | None = None
    ) -> RetryAfter:
        """From an HTTP ``Retry-After`` value: delay-seconds, or an HTTP-date."""
        text = value.strip()
        if text.isdigit():
            return cls(int(text), message)
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a Retry-After value: {value!r}") from exc
        if when.tzinfo is None:  # an HTTP-date is GMT by definition
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
        return cls(max(seconds, 0.0), message)
