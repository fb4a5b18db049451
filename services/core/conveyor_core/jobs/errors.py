"""Exceptions a task implementation raises to steer the retry policy."""

from __future__ import annotations


class NonRetryable(Exception):
    """The task failed in a way retrying cannot fix (bad input, a refused payment): fail now."""
