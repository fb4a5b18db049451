"""The task families' own tables: which Alembic branches are installed, and which are migrated.

A family package that owns tables declares its branch in the entry point group
``conveyor.migrations``: the entry point's name is the branch label (and the ``info["family"]``
its tables carry), its value names the package and the directory of revision files inside it,
Alembic's ``package:directory`` form::

    [project.entry-points."conveyor.migrations"]
    billing = "conveyor_billing:migrations"

Importing the package registers the family's tables on the shared metadata, so models and
database can be compared. Every installed branch is migrated, except the diagnostic family's
where diagnostics are off.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points

ENTRY_POINT_GROUP = "conveyor.migrations"
DIAGNOSTIC_FAMILY = "diag"  # migrated only where CONVEYOR_DIAGNOSTICS is on


@dataclass(frozen=True, slots=True)
class MigrationBranch:
    label: str
    package: str
    directory: str

    @property
    def version_location(self) -> str:
        return f"{self.package}:{self.directory}"

    def load_models(self) -> None:
        importlib.import_module(self.package)


class BadMigrationBranch(ValueError):
    """An entry point of the group that does not name ``package:directory``."""


def installed_branches() -> list[MigrationBranch]:
    """Every family branch installed in this environment, by label."""
    branches: dict[str, MigrationBranch] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        package, sep, directory = point.value.partition(":")
        if not sep or not package or not directory:
            raise BadMigrationBranch(
                f"entry point {point.name!r} in {ENTRY_POINT_GROUP} must name"
                f" 'package:directory', not {point.value!r}"
            )
        branch = MigrationBranch(point.name, package.strip(), directory.strip())
        if point.name in branches and branches[point.name] != branch:
            raise BadMigrationBranch(
                f"migration branch {point.name!r} is declared twice:"
                f" {branches[point.name].version_location} and {branch.version_location}"
            )
        branches[point.name] = branch
    return sorted(branches.values(), key=lambda b: b.label)


def migrated_branches(*, diagnostics: bool) -> list[MigrationBranch]:
    return [b for b in installed_branches() if diagnostics or b.label != DIAGNOSTIC_FAMILY]
