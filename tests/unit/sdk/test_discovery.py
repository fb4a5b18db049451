"""Discovery through real importlib.metadata entry points and CONVEYOR_TASK_MODULES."""

from __future__ import annotations

import sys
import textwrap

import pytest

from conveyor.discovery import MODULES_ENV, load
from conveyor.kinds import FanoutImplementation, TaskImplementation
from conveyor.load_errors import (
    DuplicateEntryPoint,
    DuplicateKind,
    ImportFailed,
    MissingImplementation,
    ReservedKind,
    UndeclaredKind,
    UnknownQueue,
)
from conveyor.origins import Origin
from tests.unit.sdk.sites import TASK_MODULES, Site

QUEUES = {"default", "ai", "data", "billing", "tools", "maintenance"}
ACME_KINDS = {"acme.double", "acme.squares", "acme.report"}

ONE_TASK = """
    from typing import Any
    from pydantic import BaseModel
    from conveyor import task

    class Params(BaseModel):
        n: int

    @task({name!r}, queue={queue!r})
    def run(params: Params, ctx: Any) -> None:
        return None
"""

ONE_CONTRACT = """
    from pydantic import BaseModel
    import conveyor

    class Params(BaseModel):
        n: int

    conveyor.contract({name!r}, params=Params)
"""


def task_package(site: Site, distribution: str, module: str, source: str) -> None:
    site.module(module, source)
    site.distribution(
        distribution, {"conveyor.tasks": {module: module}}, [module.partition(".")[0]]
    )


def test_the_api_loads_contracts_and_unsplit_tasks_only(site: Site) -> None:
    site.install_example()
    catalogue = load("contracts", QUEUES, modules="")
    assert {kind.name for kind in catalogue} >= ACME_KINDS
    assert isinstance(catalogue["acme.double"].implementation, TaskImplementation)
    assert isinstance(catalogue["acme.squares"].implementation, FanoutImplementation)
    report = catalogue["acme.report"]
    assert report.implementation is None
    assert report.origin == Origin("acme_tasks.reports.contracts", "acme-tasks")
    assert "acme_tasks.reports.tasks" not in sys.modules  # the heavy half stays out


def test_a_worker_loads_every_implementation(site: Site) -> None:
    site.install_example()
    catalogue = load("worker", QUEUES, modules="")
    report = catalogue["acme.report"]
    assert report.implementation is not None
    assert report.implementation.origin == Origin("acme_tasks.reports.tasks", "acme-tasks")
    assert catalogue["acme.double"].origin == Origin("acme_tasks.tasks", "acme-tasks")
    assert catalogue["acme.squares"].queue == "data"


def test_task_modules_come_from_the_environment(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(TASK_MODULES))
    monkeypatch.setenv(MODULES_ENV, " team_tasks , ")
    catalogue = load("contracts", QUEUES)
    greet = catalogue["team.greet"]
    assert (greet.origin, greet.description) == (
        Origin("team_tasks", None),
        "Greets someone by name.",
    )


def test_both_ways_load_together_in_a_worker(site: Site) -> None:
    site.install_example()
    sys.path.append(str(TASK_MODULES))
    catalogue = load("worker", QUEUES, modules=["team_tasks"])
    assert {*ACME_KINDS, "team.greet"} <= {kind.name for kind in catalogue}
    assert catalogue.unimplemented() == []


def test_excluded_entry_points_are_not_loaded(site: Site) -> None:
    site.install_example()
    catalogue = load("worker", QUEUES, modules="", exclude={"acme_reports"})
    assert "acme.double" in catalogue
    assert "acme.report" not in catalogue
    assert "acme_tasks.reports.contracts" not in sys.modules


def test_a_module_that_fails_to_import_stops_the_load_naming_it(site: Site) -> None:
    task_package(site, "broken-tasks", "broken_tasks", "import a_module_nobody_ships\n")
    with pytest.raises(
        ImportFailed,
        match=r"entry point 'broken_tasks' \(conveyor\.tasks\) of distribution broken-tasks: "
        r"module broken_tasks failed to import: ModuleNotFoundError: "
        r"No module named 'a_module_nobody_ships'",
    ) as failure:
        load("contracts", QUEUES, modules="")
    assert isinstance(failure.value.__cause__, ModuleNotFoundError)


def test_a_missing_task_module_stops_the_load_naming_it(site: Site) -> None:
    with pytest.raises(
        ImportFailed, match=r"CONVEYOR_TASK_MODULES module team\.missing failed to import"
    ):
        load("worker", QUEUES, modules="team.missing")


def test_a_task_on_an_unknown_queue_stops_the_load(site: Site) -> None:
    site.install_example()
    with pytest.raises(
        UnknownQueue,
        match=r"\(known: ai, default\): .*'acme\.report' on 'data' \(module "
        r"acme_tasks\.reports\.contracts \(distribution acme-tasks\)\); 'acme\.squares' on "
        r"'data' \(module acme_tasks\.tasks \(distribution acme-tasks\)\)",
    ):
        load("contracts", {"default", "ai"}, modules="")


def contracts_only_package(site: Site) -> None:
    site.module("lonely_contracts", ONE_CONTRACT.format(name="lonely.job"))
    site.distribution(
        "lonely-contracts",
        {"conveyor.contracts": {"lonely": "lonely_contracts"}},
        ["lonely_contracts"],
    )


def test_the_api_accepts_a_contract_whose_implementation_it_does_not_load(site: Site) -> None:
    contracts_only_package(site)
    assert load("contracts", QUEUES, modules="")["lonely.job"].implementation is None


def test_a_worker_refuses_a_contract_without_implementation(site: Site) -> None:
    contracts_only_package(site)
    with pytest.raises(
        MissingImplementation,
        match=r"contracts without an implementation .*: 'lonely\.job' \(module "
        r"lonely_contracts \(distribution lonely-contracts\)\)",
    ):
        load("worker", QUEUES, modules="")


def test_a_kind_in_two_distributions_names_both(site: Site) -> None:
    for team in ("red", "blue"):
        source = ONE_TASK.format(name="shared.job", queue="default")
        task_package(site, f"{team}-tasks", f"{team}_tasks", source)
    with pytest.raises(
        DuplicateKind,
        match=r"'shared\.job' is registered twice: by module blue_tasks \(distribution "
        r"blue-tasks\) and by module red_tasks \(distribution red-tasks\)",
    ):
        load("contracts", QUEUES, modules="")


def test_an_entry_point_name_in_two_distributions_is_refused(site: Site) -> None:
    for team in ("red", "blue"):
        site.module(f"{team}_tasks", ONE_TASK.format(name=f"{team}.job", queue="default"))
        site.distribution(
            f"{team}-tasks", {"conveyor.tasks": {"tasks": f"{team}_tasks"}}, [f"{team}_tasks"]
        )
    with pytest.raises(
        DuplicateEntryPoint,
        match=r"entry point 'tasks' of group conveyor\.tasks is declared twice: by "
        r"distribution (red|blue)-tasks \((red|blue)_tasks\) and by distribution",
    ):
        load("worker", QUEUES, modules="")


def test_a_distribution_using_a_reserved_prefix_is_refused(site: Site) -> None:
    task_package(
        site,
        "sneaky-tasks",
        "sneaky_tasks",
        ONE_TASK.format(name="billing.charge", queue="billing"),
    )
    with pytest.raises(
        ReservedKind,
        match=r"'billing\.charge' of module sneaky_tasks \(distribution sneaky-tasks\)",
    ):
        load("worker", QUEUES, modules="")


def test_an_unknown_role_is_refused(site: Site) -> None:
    with pytest.raises(ValueError, match="role must be one of"):
        load("beat", QUEUES)  # type: ignore[arg-type]


def test_a_split_package_whose_tasks_declare_their_own_kind_is_refused(site: Site) -> None:
    site.module("half_split.contracts", ONE_CONTRACT.format(name="half.declared"))
    site.module("half_split.tasks", ONE_TASK.format(name="half.hidden", queue="default"))
    site.distribution(
        "half-split",
        {
            "conveyor.contracts": {"half": "half_split.contracts"},
            "conveyor.tasks": {"half": "half_split.tasks"},
        },
        ["half_split"],
    )
    with pytest.raises(
        UndeclaredKind,
        match=r"entry point 'half' \(conveyor\.tasks\) of distribution half-split declares "
        r"'half\.hidden' \(module half_split\.tasks \(distribution half-split\)\) without a "
        r"contract, but the api and beat import only its contracts \(half_split\.contracts\)",
    ):
        load("worker", QUEUES, modules="")


def test_a_namespace_package_over_two_distributions_names_the_right_one(site: Site) -> None:
    (site.path / "acme_ns").mkdir()  # no __init__.py: a namespace package
    for team in ("red", "blue"):
        module = f"acme_ns.{team}"
        (site.path / "acme_ns" / f"{team}.py").write_text(
            textwrap.dedent(ONE_TASK.format(name=f"{team}.job", queue="default"))
        )
        site.distribution(
            f"{team}-tasks",
            {"conveyor.tasks": {team: module}},
            ["acme_ns"],
            files=[f"acme_ns/{team}.py"],
        )
    catalogue = load("worker", QUEUES, modules="")
    assert catalogue["red.job"].origin == Origin("acme_ns.red", "red-tasks")
    assert catalogue["blue.job"].origin == Origin("acme_ns.blue", "blue-tasks")
