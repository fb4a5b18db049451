"""Where the SDK tests' task modules live: the repository's examples, and a directory on
sys.path a test writes modules and distributions' metadata into."""

from __future__ import annotations

import importlib
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

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
