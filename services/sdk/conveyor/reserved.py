"""Kind name prefixes that only Conveyor's built-in families may use.

A built-in is recognised by the top-level package of the module that declares the kind: it must
be one of the workspace's family packages below. This keeps a team's package from taking a
built-in family's names by accident; it is a namespace rule, not a security boundary.
"""

from __future__ import annotations

from collections.abc import Collection

RESERVED_PREFIXES = (
    "diag.",
    "maintenance.",
    "backfill.",
    "data.",
    "ingest.",
    "ai.",
    "billing.",
    "tools.",
    # Conveyor's own housekeeping tasks and Celery's built-ins share the task name space
    "conveyor.",
    "celery.",
)

BUILTIN_PACKAGES = frozenset(
    {
        "conveyor_diag",
        "conveyor_maintenance",
        "conveyor_backfill",
        "conveyor_data",
        "conveyor_ingest",
        "conveyor_ai",
        "conveyor_billing",
        "conveyor_tools",
    }
)


def reserved_prefix(kind: str) -> str | None:
    return next((p for p in RESERVED_PREFIXES if kind.startswith(p)), None)


def is_builtin(module: str, builtin_packages: Collection[str] = BUILTIN_PACKAGES) -> bool:
    return module.partition(".")[0] in builtin_packages
