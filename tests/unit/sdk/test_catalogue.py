from __future__ import annotations

import importlib

import pytest
from pydantic import BaseModel

from conveyor import task
from conveyor.catalogue import Catalogue, default_catalogue, use_catalogue
from conveyor.load_errors import DuplicateKind, ReservedKind
from conveyor.reserved import BUILTIN_PACKAGES, RESERVED_PREFIXES
from tests.unit.sdk.sites import Site

ONE_TASK = """
    from typing import Any
    from pydantic import BaseModel
    from conveyor import task

    class Params(BaseModel):
        n: int

    @task({name!r})
    def run(params: Params, ctx: Any) -> None:
        return None
"""


def test_a_kind_registered_twice_names_both_modules(site: Site, catalogue: Catalogue) -> None:
    site.module("first_team.tasks", ONE_TASK.format(name="shared.job"))
    site.module("second_team.tasks", ONE_TASK.format(name="shared.job"))
    importlib.import_module("first_team.tasks")
    with pytest.raises(
        DuplicateKind,
        match=r"kind 'shared\.job' is registered twice: by module first_team\.tasks "
        r"\(not installed\) and by module second_team\.tasks \(not installed\)",
    ):
        importlib.import_module("second_team.tasks")
    assert catalogue["shared.job"].origin.module == "first_team.tasks"


@pytest.mark.parametrize("prefix", RESERVED_PREFIXES)
def test_a_user_package_cannot_use_a_reserved_prefix(
    site: Site, catalogue: Catalogue, prefix: str
) -> None:
    site.module("team_tasks", ONE_TASK.format(name=f"{prefix}mine"))
    with pytest.raises(
        ReservedKind,
        match=rf"kind '{prefix}mine' of module team_tasks \(not installed\): the prefix "
        rf"'{prefix}' is reserved for Conveyor's built-in families",
    ):
        importlib.import_module("team_tasks")
    assert len(catalogue) == 0


def test_a_builtin_family_package_may_use_a_reserved_prefix(
    site: Site, catalogue: Catalogue
) -> None:
    # the fixture's catalogue counts sdktest_builtin as a built-in family package
    site.module("sdktest_builtin.tasks", ONE_TASK.format(name="diag.mine"))
    importlib.import_module("sdktest_builtin.tasks")
    assert "diag.mine" in catalogue


def test_the_builtin_families_are_the_workspace_packages() -> None:
    assert {"conveyor_diag", "conveyor_maintenance"} <= BUILTIN_PACKAGES
    assert all(name.startswith("conveyor_") for name in BUILTIN_PACKAGES)


class ScopedParams(BaseModel):
    n: int


def test_a_fresh_catalogue_holds_registrations_only_while_in_use() -> None:
    before = default_catalogue()
    with use_catalogue() as fresh:
        assert default_catalogue() is fresh

        @task("acme.scoped")
        def scoped(params: ScopedParams, ctx: object) -> None:
            return None

    assert default_catalogue() is before
    assert "acme.scoped" in fresh
    assert "acme.scoped" not in before
