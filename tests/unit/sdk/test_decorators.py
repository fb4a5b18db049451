from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel

from conveyor import TaskContext, fanout, task
from conveyor.catalogue import Catalogue
from conveyor.kinds import FanoutImplementation, TaskImplementation
from conveyor.load_errors import InvalidTask
from conveyor.origins import Origin


class NumberParams(BaseModel):
    n: int


class OtherParams(BaseModel):
    text: str


def test_task_records_its_kind_from_the_annotation(catalogue: Catalogue) -> None:
    @task("acme.double", queue="ai", description="doubles n")
    def double(params: NumberParams, ctx: TaskContext) -> dict[str, Any]:
        return {"value": params.n * 2}

    kind = catalogue["acme.double"]
    assert (kind.name, kind.queue, kind.params, kind.description, kind.fanout) == (
        "acme.double",
        "ai",
        NumberParams,
        "doubles n",
        False,
    )
    assert kind.origin == Origin(__name__, None)
    assert kind.implementation == TaskImplementation(double, kind.origin)
    assert not kind.split


def test_task_returns_the_function_unchanged_and_defaults_queue_and_description(
    catalogue: Catalogue,
) -> None:
    def echo(params: NumberParams, ctx: TaskContext) -> None:
        """Echoes n.

        More words that stay out of the catalogue."""

    assert task("acme.echo")(echo) is echo
    kind = catalogue["acme.echo"]
    assert (kind.queue, kind.description) == ("default", "Echoes n.")


def test_fanout_records_the_class_and_makes_one_instance_on_first_use(
    catalogue: Catalogue,
) -> None:
    made: list[object] = []

    @fanout("acme.squares", queue="data")
    class Squares:
        """Squares 1..n."""

        def __init__(self) -> None:
            made.append(self)

        def plan(self, params: NumberParams) -> Iterator[dict[str, Any]]:
            return ({"n": n} for n in range(1, params.n + 1))

        def item(self, params: NumberParams, item: dict[str, Any], ctx: Any) -> dict[str, Any]:
            return {"square": item["n"] ** 2}

    kind = catalogue["acme.squares"]
    assert (kind.queue, kind.params, kind.fanout, kind.description) == (
        "data",
        NumberParams,
        True,
        "Squares 1..n.",
    )
    assert isinstance(kind.implementation, FanoutImplementation)
    assert made == []  # importing the module builds nothing
    items = list(kind.implementation.plan(NumberParams(n=3)))
    results = [kind.implementation.item(NumberParams(n=3), item, None) for item in items]  # type: ignore[arg-type]
    assert results == [{"square": 1}, {"square": 4}, {"square": 9}]
    assert len(made) == 1


def test_a_task_without_params_annotation_is_refused(catalogue: Catalogue) -> None:
    def bare(params, ctx):  # type: ignore[no-untyped-def]
        return None

    with pytest.raises(InvalidTask, match=r"acme\.bare.*annotate the parameter 'params'"):
        task("acme.bare")(bare)
    assert "acme.bare" not in catalogue


def test_a_params_annotation_that_is_not_a_model_is_refused(catalogue: Catalogue) -> None:
    def loose(params: dict[str, Any], ctx: TaskContext) -> None:
        return None

    with pytest.raises(InvalidTask, match="not a pydantic BaseModel subclass"):
        task("acme.loose")(loose)


def test_an_unresolvable_annotation_is_refused_with_the_name_error(catalogue: Catalogue) -> None:
    def ghost(params: Missing, ctx: TaskContext) -> None:  # type: ignore[name-defined]  # noqa: F821
        return None

    with pytest.raises(InvalidTask, match="cannot resolve its annotations: NameError"):
        task("acme.ghost")(ghost)


@pytest.mark.parametrize("name", ["double", "Acme.double", "acme.", "acme..x", "acme double"])
def test_a_kind_name_needs_a_lower_case_namespace(catalogue: Catalogue, name: str) -> None:
    def run(params: NumberParams, ctx: TaskContext) -> None:
        return None

    with pytest.raises(InvalidTask, match=r"a kind name is '<namespace>\.<name>'"):
        task(name)(run)


def test_a_task_must_take_params_and_context(catalogue: Catalogue) -> None:
    def lonely(params: NumberParams) -> None:
        return None

    with pytest.raises(InvalidTask, match=r"must take \(params, ctx\)"):
        task("acme.lonely")(lonely)  # type: ignore[type-var]


def test_an_async_task_is_refused(catalogue: Catalogue) -> None:
    async def later(params: NumberParams, ctx: TaskContext) -> None:
        return None

    with pytest.raises(InvalidTask, match="not async ones"):
        task("acme.later")(later)  # type: ignore[type-var]


def test_task_on_a_class_points_to_fanout(catalogue: Catalogue) -> None:
    class Plan:
        def __init__(self, params: NumberParams, ctx: TaskContext) -> None:
            pass

    with pytest.raises(InvalidTask, match="a fan-out class takes @fanout"):
        task("acme.plan")(Plan)  # type: ignore[type-var]


def test_fanout_needs_plan_and_item(catalogue: Catalogue) -> None:
    class OnlyPlan:
        def plan(self, params: NumberParams) -> list[dict[str, Any]]:
            return []

    with pytest.raises(InvalidTask, match=r"needs a plan\(\) and an item\(\) method"):
        fanout("acme.half")(OnlyPlan)


def test_fanout_item_must_take_params_item_and_context(catalogue: Catalogue) -> None:
    class ShortItem:
        def plan(self, params: NumberParams) -> list[dict[str, Any]]:
            return []

        def item(self, params: NumberParams) -> None:
            return None

    with pytest.raises(InvalidTask, match=r"item\(\): must take \(self, params, item, ctx\)"):
        fanout("acme.short")(ShortItem)


def test_fanout_reads_params_from_plan_and_refuses_a_different_item_model(
    catalogue: Catalogue,
) -> None:
    class Unannotated:
        def plan(self, params):  # type: ignore[no-untyped-def]
            return []

        def item(self, params: NumberParams, item: dict[str, Any], ctx: TaskContext) -> None:
            return None

    with pytest.raises(InvalidTask, match=r"plan\(\): annotate the parameter 'params'"):
        fanout("acme.unannotated")(Unannotated)

    class Disagreeing:
        def plan(self, params: NumberParams) -> list[dict[str, Any]]:
            return []

        def item(self, params: OtherParams, item: dict[str, Any], ctx: TaskContext) -> None:
            return None

    with pytest.raises(InvalidTask, match="annotate different params models"):
        fanout("acme.disagreeing")(Disagreeing)


def test_a_fanout_may_finalize_with_params_and_summary(catalogue: Catalogue) -> None:
    @fanout("acme.summed")
    class Summed:
        def plan(self, params: NumberParams) -> Iterator[dict[str, Any]]:
            yield {"n": params.n}

        def item(
            self, params: NumberParams, item: dict[str, Any], ctx: TaskContext
        ) -> dict[str, Any]:
            return item

        def finalize(self, params: NumberParams, summary: Any) -> dict[str, Any]:
            return {"sum": sum(result["n"] for result in summary.results())}

    implementation = catalogue["acme.summed"].implementation
    assert isinstance(implementation, FanoutImplementation)
    assert implementation.finalizes


def test_a_finalize_without_the_summary_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(InvalidTask, match=r"finalize\(\): must take \(self, params, summary\)"):

        @fanout("acme.unsummed")
        class Unsummed:
            def plan(self, params: NumberParams) -> Iterator[dict[str, Any]]:
                yield {}

            def item(self, params: NumberParams, item: dict[str, Any], ctx: TaskContext) -> None:
                return None

            def finalize(self) -> None:
                return None
