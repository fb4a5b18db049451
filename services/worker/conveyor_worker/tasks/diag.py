"""Implementations of the diagnostic contracts."""

from __future__ import annotations

import time
from typing import Any

from conveyor_core.contracts import diag
from conveyor_core.jobs.errors import NonRetryable
from conveyor_worker.registry import fans_out, implements
from conveyor_worker.runtime import FanOut, TaskContext

SLEEP_STEP_SECONDS = 0.2  # how often a sleeping task notices it was cancelled


class FlakyFailure(RuntimeError):
    pass


@implements(diag.ECHO)
def echo(params: diag.EchoParams, ctx: TaskContext) -> dict[str, Any]:
    return {"message": params.message}


@implements(diag.SLEEP)
def sleep(params: diag.SleepParams, ctx: TaskContext) -> dict[str, Any]:
    deadline = time.monotonic() + params.seconds
    while (left := deadline - time.monotonic()) > 0:
        if ctx.should_stop():
            return {"slept": params.seconds - left, "interrupted": True}
        time.sleep(min(SLEEP_STEP_SECONDS, left))
    return {"slept": params.seconds}


@implements(diag.FLAKY)
def flaky(params: diag.FlakyParams, ctx: TaskContext) -> dict[str, Any]:
    if ctx.attempt <= params.fail_times:
        raise FlakyFailure(f"failing on purpose: attempt {ctx.attempt} of {params.fail_times}")
    return {"attempts": ctx.attempt}


class PlannedFailure(NonRetryable):
    pass


def _fanout_plan(params: diag.FanoutParams) -> list[dict[str, Any]]:
    return [{"index": index} for index in range(params.items)]


def _fanout_item(
    params: diag.FanoutParams, item: dict[str, Any], ctx: TaskContext
) -> dict[str, Any]:
    if params.sleep_ms:
        time.sleep(params.sleep_ms / 1000)
    if ctx.attempt == 1 and item["index"] in params.fail_items:
        raise PlannedFailure(f"item {item['index']} fails on its first execution")
    return {"index": item["index"]}


fans_out(diag.FANOUT, FanOut(plan=_fanout_plan, item=_fanout_item))
