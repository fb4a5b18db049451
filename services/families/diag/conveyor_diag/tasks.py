"""The bodies of the diagnostic kinds: imported by workers only."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

from conveyor import NonRetryable, TaskContext, fanout, task
from conveyor_core.db.engine import transaction
from conveyor_diag import database, ledger
from conveyor_diag.contracts import (
    EchoParams,
    EffectFanoutParams,
    EffectParams,
    FanoutParams,
    FlakyParams,
    SleepParams,
)
from conveyor_diag.ledger import Applied

SLEEP_STEP_SECONDS = 0.2  # how often a sleeping task notices it was cancelled


class FlakyFailure(RuntimeError):
    pass


class PlannedFailure(NonRetryable):
    pass


@task("diag.echo")
def echo(params: EchoParams, ctx: TaskContext) -> dict[str, Any]:
    return {"message": params.message}


@task("diag.sleep")
def sleep(params: SleepParams, ctx: TaskContext) -> dict[str, Any]:
    deadline = time.monotonic() + params.seconds
    while (left := deadline - time.monotonic()) > 0:
        if ctx.should_stop():
            return {"slept": params.seconds - left, "interrupted": True}
        time.sleep(min(SLEEP_STEP_SECONDS, left))
    return {"slept": params.seconds}


@task("diag.flaky")
def flaky(params: FlakyParams, ctx: TaskContext) -> dict[str, Any]:
    if ctx.attempt <= params.fail_times:
        raise FlakyFailure(f"failing on purpose: attempt {ctx.attempt} of {params.fail_times}")
    return {"attempts": ctx.attempt}


def _indices(count: int) -> Iterator[dict[str, Any]]:
    return ({"index": index} for index in range(count))


@fanout("diag.fanout")
class Fanout:
    def plan(self, params: FanoutParams) -> Iterator[dict[str, Any]]:
        return _indices(params.items)

    def item(self, params: FanoutParams, item: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        if params.sleep_ms:
            time.sleep(params.sleep_ms / 1000)
        if ctx.attempt == 1 and item["index"] in params.fail_items:
            raise PlannedFailure(f"item {item['index']} fails on its first execution")
        return {"index": item["index"]}


def _apply_effect(params: EffectParams, ctx: TaskContext) -> dict[str, Any]:
    if params.crash:
        os.kill(os.getpid(), signal.SIGKILL)  # what an OOM kill or a segfault looks like
    if ctx.attempt <= params.fail_times:
        raise FlakyFailure(f"failing on purpose: attempt {ctx.attempt} of {params.fail_times}")
    slept = sleep(SleepParams(seconds=params.seconds), ctx)
    if slept.get("interrupted"):
        return {"applied": Applied.NOT_OURS.value}
    with transaction(database.sessions()) as session:
        applied = ledger.apply_once(session, ctx.job_id, ctx.item_id, ctx.attempt)
    return {"applied": applied.value, "pid": os.getpid()}


@task("diag.effect")
def effect(params: EffectParams, ctx: TaskContext) -> dict[str, Any]:
    return _apply_effect(params, ctx)


@fanout("diag.effect_fanout")
class EffectFanout:
    def plan(self, params: EffectFanoutParams) -> Iterator[dict[str, Any]]:
        return _indices(params.items)

    def item(
        self, params: EffectFanoutParams, item: dict[str, Any], ctx: TaskContext
    ) -> dict[str, Any]:
        return {"index": item["index"], **_apply_effect(params, ctx)}
