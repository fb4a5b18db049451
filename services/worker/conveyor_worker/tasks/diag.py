"""Implementations of the diagnostic contracts."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from conveyor_core.db.engine import transaction
from conveyor_core.diag import contracts as diag
from conveyor_core.diag import ledger
from conveyor_core.diag.ledger import Applied
from conveyor_core.jobs.errors import NonRetryable
from conveyor_worker import resources
from conveyor_worker.registry import fans_out, implements
from conveyor_worker.runtime.context import FanOut, TaskContext

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


def _apply_effect(params: diag.EffectParams, ctx: TaskContext) -> dict[str, Any]:
    if params.crash:
        os.kill(os.getpid(), signal.SIGKILL)  # what an OOM kill or a segfault looks like
    if ctx.attempt <= params.fail_times:
        raise FlakyFailure(f"failing on purpose: attempt {ctx.attempt} of {params.fail_times}")
    slept = sleep(diag.SleepParams(seconds=params.seconds), ctx) or {}
    if slept.get("interrupted"):
        return {"applied": Applied.NOT_OURS.value}
    with transaction(resources.current().sessions) as session:
        applied = ledger.apply_once(session, ctx.job_id, ctx.item_id, ctx.attempt)
    return {"applied": applied.value, "pid": os.getpid()}


implements(diag.EFFECT)(_apply_effect)


def _effect_plan(params: diag.EffectFanoutParams) -> list[dict[str, Any]]:
    return [{"index": index} for index in range(params.items)]


def _effect_item(
    params: diag.EffectFanoutParams, item: dict[str, Any], ctx: TaskContext
) -> dict[str, Any]:
    return {"index": item["index"], **_apply_effect(params, ctx)}


fans_out(diag.EFFECT_FANOUT, FanOut(plan=_effect_plan, item=_effect_item))
