"""Expected failures: one line on stderr and exit 1, never a traceback."""

from __future__ import annotations

from typing import NoReturn


class CliError(Exception):
    """A failure the user can act on; its message is the whole story."""


def fail(message: str) -> NoReturn:
    raise CliError(message)
