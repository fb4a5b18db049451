"""Where a kind comes from: its module and, when installed, the distribution that ships it."""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Origin:
    module: str
    # None for a module found on the path (CONVEYOR_TASK_MODULES + PYTHONPATH), not installed
    distribution: str | None

    @classmethod
    def of(cls, module: str) -> Origin:
        return cls(module, distribution_of(module))

    def __str__(self) -> str:
        where = f"distribution {self.distribution}" if self.distribution else "not installed"
        return f"module {self.module} ({where})"


ENTRY_POINT_GROUPS_PREFIX = "conveyor."  # conveyor.tasks, conveyor.contracts, conveyor.migrations


@functools.cache
def _distributions_by_package() -> Mapping[str, list[str]]:
    return metadata.packages_distributions()


@functools.cache
def _distributions_by_entry_point() -> Mapping[str, list[str]]:
    """Top-level packages named by Conveyor's entry points, with the distributions declaring
    them: an editable install (a workspace member) lists no package files of its own."""
    found: dict[str, list[str]] = {}
    for dist in metadata.distributions():
        for point in dist.entry_points:
            if point.group.startswith(ENTRY_POINT_GROUPS_PREFIX):
                found.setdefault(point.value.partition(".")[0].partition(":")[0], []).append(
                    dist.metadata["Name"]
                )
    return found


def forget_distributions() -> None:
    """Read the installed distributions again (discovery calls it before it loads)."""
    _distributions_by_package.cache_clear()
    _distributions_by_entry_point.cache_clear()


def distribution_of(module: str) -> str | None:
    package = module.partition(".")[0]
    shipping = _distributions_by_package().get(package) or _distributions_by_entry_point().get(
        package, []
    )
    names = sorted(set(shipping))
    if len(names) <= 1:
        return names[0] if names else None
    # a namespace package spread over several distributions: find the one holding the file
    file = getattr(sys.modules.get(module), "__file__", None)
    return next((n for n in names if file and _ships(n, Path(file))), None)


def _ships(distribution: str, file: Path) -> bool:
    files = metadata.distribution(distribution).files or []
    return any(Path(str(f.locate())).resolve() == file.resolve() for f in files)
