"""Task kinds that show what a worker's TaskContext does, loaded through CONVEYOR_TASK_MODULES
by the api and worker processes of tests/integration/test_task_packages.py."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from conveyor import FanoutSummary, NonRetryable, RetryAfter, TaskContext, fanout, task

WAIT_STEP_SECONDS = 0.05


class ContextParams(BaseModel):
    dataset: str


@task("probe.context")
def context(params: ContextParams, ctx: TaskContext) -> dict[str, Any]:
    """Records what its context says in a dataset, failing its first attempt."""
    seen = {
        "attempt": ctx.attempt,
        "idempotency_key": ctx.idempotency_key,
        "tenant": ctx.tenant,
        "job_id": str(ctx.job_id),
        "item_id": None if ctx.item_id is None else str(ctx.item_id),
    }
    ctx.datasets.upsert(params.dataset, [seen], key=["attempt"])
    ctx.heartbeat()
    ctx.log.info("probe context", **seen)
    if ctx.attempt == 1:
        raise RuntimeError("the first attempt fails on purpose")
    return {"seen": list(ctx.datasets.records(params.dataset))}


class ProgressParams(BaseModel):
    release_file: str


@task("probe.progress")
def progress(params: ProgressParams, ctx: TaskContext) -> dict[str, Any] | None:
    """Reports a quarter, waits until the release file exists, then reports it is done."""
    ctx.progress(1, 4, "a quarter")
    while not Path(params.release_file).exists():
        if ctx.should_stop():
            return None
        time.sleep(WAIT_STEP_SECONDS)
    ctx.progress(4, 4, "done")
    return {}


class RetryAfterParams(BaseModel):
    seconds: float


@task("probe.retry_after")
def retry_after(params: RetryAfterParams, ctx: TaskContext) -> dict[str, Any]:
    raise RetryAfter(params.seconds, "the upstream asked to wait")


class RefuseParams(BaseModel):
    reason: str


@task("probe.refuse")
def refuse(params: RefuseParams, ctx: TaskContext) -> dict[str, Any]:
    raise NonRetryable(params.reason)


class ItemsParams(BaseModel):
    count: int
    fail_finalize: bool = False


@fanout("probe.items")
class Items:
    """One item per number; each item says who it is, finalize sums the numbers."""

    def plan(self, params: ItemsParams) -> Iterator[dict[str, Any]]:
        return ({"n": n} for n in range(params.count))

    def item(self, params: ItemsParams, item: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        return {"n": item["n"], "idempotency_key": ctx.idempotency_key, "tenant": ctx.tenant}

    def finalize(self, params: ItemsParams, summary: FanoutSummary) -> dict[str, Any]:
        if params.fail_finalize:
            raise ValueError("finalize fails on purpose")
        results = list(summary.results())
        return {
            "total": sum(result["n"] for result in results),
            "keys": sorted({result["idempotency_key"] for result in results}),
            "counted": dict(summary.counts),
        }
