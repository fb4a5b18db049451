"""``${ENV_VAR}`` references in header values: checked when the file loads, expanded only when
a request is made, so a secret lives in the environment (a Kubernetes Secret) and never in the
sources file, a listing or a log line."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

REFERENCE = re.compile(r"\$\{([^}]*)\}")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class MissingSecret(LookupError):
    """A header references an environment variable that is not set (the message names the
    variable, never a value)."""


def check_references(header: str, value: str) -> None:
    for name in REFERENCE.findall(value):
        if not ENV_NAME.match(name):
            raise ValueError(
                f"header {header!r}: ${{{name}}} is not an environment variable reference "
                "(letters, digits and '_', not starting with a digit)"
            )


def expand(
    source: str, headers: Mapping[str, str], env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The headers with every ``${NAME}`` replaced by the environment's value."""
    environment = os.environ if env is None else env

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in environment:
            raise MissingSecret(
                f"source {source!r}: a header references ${{{name}}}, which is not set in "
                "this process's environment"
            )
        return environment[name]

    return {header: REFERENCE.sub(value_of, value) for header, value in headers.items()}
