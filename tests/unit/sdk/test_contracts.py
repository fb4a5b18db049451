"""Split packages: a contracts module declares a kind, an implementation module binds to it."""

from __future__ import annotations

import importlib

import pytest

from conveyor.catalogue import Catalogue
from conveyor.kinds import FanoutImplementation, TaskImplementation
from conveyor.load_errors import ContractMismatch, DuplicateImplementation, InvalidTask
from conveyor.origins import Origin
from tests.unit.sdk.sites import Site

CONTRACTS = """
    from pydantic import BaseModel
    import conveyor

    class HeavyParams(BaseModel):
        size: int

    class OtherParams(BaseModel):
        size: int

    HEAVY = conveyor.contract("acme.heavy", params=HeavyParams, queue="ai",
                              description="heavy lifting")
    PLANNED = conveyor.contract("acme.planned", params=HeavyParams, fanout=True)
"""


def implementation(body: str) -> str:
    return "from typing import Any\nfrom conveyor import task, fanout\n" + (
        "from acme_split.contracts import HeavyParams, OtherParams\n" + body
    )


HEAVY_TASK = """
@task("acme.heavy")
def heavy(params: HeavyParams, ctx: Any) -> dict[str, Any]:
    return {"size": params.size}
"""


def test_a_contract_declares_a_kind_without_a_body(site: Site, catalogue: Catalogue) -> None:
    site.module("acme_split.contracts", CONTRACTS)
    contracts = importlib.import_module("acme_split.contracts")
    kind = catalogue["acme.heavy"]
    assert kind == contracts.HEAVY
    assert (kind.queue, kind.params, kind.description, kind.fanout, kind.split) == (
        "ai",
        contracts.HeavyParams,
        "heavy lifting",
        False,
        True,
    )
    assert kind.origin == Origin("acme_split.contracts", None)
    assert kind.implementation is None
    assert catalogue["acme.planned"].fanout
    assert catalogue.unimplemented() == [catalogue["acme.heavy"], catalogue["acme.planned"]]


def test_an_implementation_binds_to_its_contract(site: Site, catalogue: Catalogue) -> None:
    site.module("acme_split.contracts", CONTRACTS)
    site.module("acme_split.tasks", implementation(HEAVY_TASK))
    tasks = importlib.import_module("acme_split.tasks")
    kind = catalogue["acme.heavy"]
    assert kind.queue == "ai"  # the contract's, not the decorator's default
    assert kind.origin.module == "acme_split.contracts"
    assert kind.implementation == TaskImplementation(tasks.heavy, Origin("acme_split.tasks", None))


def test_a_fanout_binds_to_a_fanout_contract(site: Site, catalogue: Catalogue) -> None:
    site.module("acme_split.contracts", CONTRACTS)
    site.module(
        "acme_split.tasks",
        implementation("""
@fanout("acme.planned")
class Planned:
    def plan(self, params: HeavyParams) -> list[dict[str, Any]]:
        return [{"i": i} for i in range(params.size)]

    def item(self, params: HeavyParams, item: dict[str, Any], ctx: Any) -> None:
        return None
"""),
    )
    importlib.import_module("acme_split.tasks")
    assert isinstance(catalogue["acme.planned"].implementation, FanoutImplementation)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            HEAVY_TASK.replace("params: HeavyParams", "params: OtherParams"),
            r"module acme_split\.tasks \(not installed\) implements 'acme\.heavy', declared by "
            r"module acme_split\.contracts \(not installed\): its params are annotated "
            r"acme_split\.contracts\.OtherParams, but the contract declares "
            r"acme_split\.contracts\.HeavyParams",
        ),
        (
            HEAVY_TASK.replace('@task("acme.heavy")', '@task("acme.heavy", queue="default")'),
            "it names queue 'default', but the contract's queue is 'ai'",
        ),
        (
            HEAVY_TASK.replace('@task("acme.heavy")', '@task("acme.heavy", description="x")'),
            "the description belongs to the contract",
        ),
        (
            HEAVY_TASK.replace('@task("acme.heavy")', '@task("acme.planned")'),
            "as a fan-out: use @fanout",
        ),
    ],
    ids=["params", "queue", "description", "shape"],
)
def test_an_implementation_that_disagrees_with_its_contract_is_refused(
    site: Site, catalogue: Catalogue, body: str, message: str
) -> None:
    site.module("acme_split.contracts", CONTRACTS)
    site.module("acme_split.tasks", implementation(body))
    with pytest.raises(ContractMismatch, match=message):
        importlib.import_module("acme_split.tasks")


def test_a_contract_implemented_twice_names_both_implementations(
    site: Site, catalogue: Catalogue
) -> None:
    site.module("acme_split.contracts", CONTRACTS)
    site.module("acme_split.tasks", implementation(HEAVY_TASK))
    site.module("acme_split.again", implementation(HEAVY_TASK))
    importlib.import_module("acme_split.tasks")
    with pytest.raises(
        DuplicateImplementation,
        match=r"contract 'acme\.heavy' \(module acme_split\.contracts \(not installed\)\) is "
        r"implemented twice: by module acme_split\.tasks \(not installed\) and by module "
        r"acme_split\.again \(not installed\)",
    ):
        importlib.import_module("acme_split.again")


def test_a_contract_needs_a_model(site: Site, catalogue: Catalogue) -> None:
    site.module("acme_split.bad", 'import conveyor\nconveyor.contract("acme.bad", params=dict)\n')
    with pytest.raises(InvalidTask, match=r"contract\('acme\.bad'\) in module acme_split\.bad"):
        importlib.import_module("acme_split.bad")
