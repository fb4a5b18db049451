"""SDK tests: a fresh catalogue per test, task modules written to a temporary directory on
sys.path, and distributions made visible to importlib.metadata through real dist-info folders."""

from __future__ import annotations

import importlib
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conveyor.catalogue import Catalogue, use_catalogue
from conveyor.origins import forget_distributions
from conveyor.reserved import BUILTIN_PACKAGES

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
ACME = EXAMPLES / "acme-tasks"
TASK_MODULES = EXAMPLES / "task-modules"
# the packages allowed to use reserved prefixes in these tests: the test's own, and the
# workspace's families, whose entry points every load in this environment finds too
TEST_BUILTINS = frozenset({"sdktest_builtin"}) | BUILTIN_PACKAGES


@dataclass
class Site:
    """A directory on sys.path that holds task modules and distributions' metadata."""

    path: Path

    def module(self, name: str, source: str) -> None:
        """Write module ``name`` (dotted names get their packages)."""
        *packages, leaf = name.split(".")
        folder = self.path
        for package in packages:
            folder = folder / package
            folder.mkdir(exist_ok=True)
            (folder / "__init__.py").touch()
        (folder / f"{leaf}.py").write_text(textwrap.dedent(source))
        importlib.invalidate_caches()

    def distribution(
        self,
        name: str,
        entry_points: dict[str, dict[str, str]],
        packages: list[str],
        files: list[str] | None = None,
    ) -> None:
        """Declare an installed distribution ``name`` shipping ``packages`` (and ``files``,
        relative to this directory, in its RECORD)."""
        info = self.path / f"{name.replace('-', '_')}-0.1.0.dist-info"
        info.mkdir()
        if files is not None:
            (info / "RECORD").write_text("".join(f"{file},,\n" for file in files))
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
        (info / "top_level.txt").write_text("".join(f"{p}\n" for p in packages))
        (info / "entry_points.txt").write_text(
            "".join(
                f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()) + "\n"
                for group, points in entry_points.items()
            )
        )
        importlib.invalidate_caches()

    def install_example(self) -> None:
        """The example package as pip would install it: its pyproject's entry points."""
        project = tomllib.loads((ACME / "pyproject.toml").read_text())["project"]
        self.distribution(project["name"], project["entry-points"], ["acme_tasks"])
        sys.path.append(str(ACME))


@pytest.fixture
def catalogue() -> Iterator[Catalogue]:
    with use_catalogue(Catalogue(builtin_packages=TEST_BUILTINS)) as fresh:
        yield fresh


# modules that define tables: the shared metadata holds a table once per process, so these are
# imported once and kept across the import worlds
TABLE_MODULES = ("conveyor_diag.ledger",)


@pytest.fixture
def site(tmp_path: Path, catalogue: Catalogue) -> Iterator[Site]:
    """A fresh import world: the families' task modules are imported afresh (into this test's
    catalogue) and whatever a test imports from here is forgotten after it; the modules the
    process had before are put back."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    set_aside = {
        name: module
        for name, module in sys.modules.items()
        if name.partition(".")[0] in BUILTIN_PACKAGES and name not in TABLE_MODULES
    }
    for name in set_aside:
        del sys.modules[name]
    modules, path = set(sys.modules), list(sys.path)
    sys.path.insert(0, str(tmp_path))
    yield Site(tmp_path)
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        del sys.modules[name]
    sys.modules.update(set_aside)
    importlib.invalidate_caches()
    forget_distributions()
