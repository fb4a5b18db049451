"""Which family branches Alembic knows: read from installed distributions' entry points."""

from __future__ import annotations

from pathlib import Path

import pytest

from conveyor_core.db.families import (
    ENTRY_POINT_GROUP,
    BadMigrationBranch,
    installed_branches,
    migrated_branches,
)


def _install(site: Path, dist: str, entry_points: str) -> None:
    info = site / f"{dist}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entry_points}\n")


def test_an_installed_family_branch_is_known_and_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(tmp_path, "acme_ledger", "acme = acme_ledger:migrations")
    monkeypatch.syspath_prepend(str(tmp_path))
    labels = {b.label: b.version_location for b in installed_branches()}
    assert labels["acme"] == "acme_ledger:migrations"
    assert labels["diag"] == "conveyor_diag.ledger:migrations"
    assert "acme" in {b.label for b in migrated_branches(diagnostics=False)}


def test_the_diagnostic_branch_is_migrated_only_with_diagnostics_on() -> None:
    assert "diag" not in {b.label for b in migrated_branches(diagnostics=False)}
    assert "diag" in {b.label for b in migrated_branches(diagnostics=True)}


def test_an_entry_point_without_a_directory_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(tmp_path, "acme_broken", "broken = acme_broken")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(BadMigrationBranch, match=r"'broken'.*package:directory"):
        installed_branches()
