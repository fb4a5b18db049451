"""A plain task and a fan-out, contract and body together (a small package)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor import FanoutSummary, TaskContext, fanout, task

MAX_SQUARES = 10_000


class DoubleParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    n: int


@task("acme.double", queue="default", description="doubles n")
def double(params: DoubleParams, ctx: TaskContext) -> dict[str, Any]:
    ctx.progress(1, 1)
    return {"value": params.n * 2}


class SquaresParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int = Field(ge=1, le=MAX_SQUARES, description="squares of 1..count, one item each")


@fanout("acme.squares", queue="data")
class Squares:
    """Squares every number from 1 to count, one item per number."""

    def plan(self, params: SquaresParams) -> Iterator[dict[str, Any]]:
        for n in range(1, params.count + 1):
            yield {"n": n}

    def item(self, params: SquaresParams, item: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        ctx.log.debug("squaring", n=item["n"])
        return {"n": item["n"], "square": item["n"] ** 2}

    def finalize(self, params: SquaresParams, summary: FanoutSummary) -> dict[str, Any]:
        """Joins the job's result once the last item ended: the sum of every square."""
        return {"sum": sum(result["square"] for result in summary.results())}
