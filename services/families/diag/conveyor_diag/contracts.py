"""The diagnostic kinds' contracts: small, observable tasks to exercise the platform end to end.

Import-light (pydantic and the SDK): the api and beat load this module, workers also ``tasks``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

import conveyor

MAX_SLEEP_SECONDS = 3600.0
MAX_FLAKY_FAILURES = 10
MAX_FANOUT_ITEMS = 100_000
MAX_ITEM_SLEEP_MS = 60_000


class EchoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(max_length=10_000)


class SleepParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(ge=0, le=MAX_SLEEP_SECONDS)


class FlakyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fail_times: int = Field(ge=0, le=MAX_FLAKY_FAILURES)


class FanoutParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    items: int = Field(ge=1, le=MAX_FANOUT_ITEMS)
    sleep_ms: int = Field(default=0, ge=0, le=MAX_ITEM_SLEEP_MS)
    fail_items: list[int] = Field(
        default_factory=list,
        description="Item indices that fail (non-retryable) on their first execution only.",
    )


ECHO = conveyor.contract(
    "diag.echo",
    queue="default",
    params=EchoParams,
    description="Returns its message as the result.",
)
SLEEP = conveyor.contract(
    "diag.sleep",
    queue="default",
    params=SleepParams,
    description="Sleeps for the given seconds, heartbeating, then succeeds.",
)
FLAKY = conveyor.contract(
    "diag.flaky",
    queue="default",
    params=FlakyParams,
    description="Fails fail_times times, then succeeds through the retry policy.",
)
FANOUT = conveyor.contract(
    "diag.fanout",
    queue="default",
    params=FanoutParams,
    description="Fans out into `items` items that each sleep `sleep_ms`; the listed items "
    "fail on their first execution, so the job fails and a retry succeeds.",
    fanout=True,
)


class EffectParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(default=0, ge=0, le=MAX_SLEEP_SECONDS)
    fail_times: int = Field(
        default=0,
        ge=0,
        le=MAX_FLAKY_FAILURES,
        description="Executions that fail (retryable) before the effect is applied.",
    )
    crash: bool = Field(
        default=False, description="Kill the executing process before the effect: a poison pill."
    )


class EffectFanoutParams(EffectParams):
    items: int = Field(ge=1, le=MAX_FANOUT_ITEMS)


EFFECT = conveyor.contract(
    "diag.effect",
    queue="default",
    params=EffectParams,
    description="Works `seconds`, then records one side effect in the diag_effects ledger, "
    "at most once per job and only while its execution owns the row.",
)
EFFECT_FANOUT = conveyor.contract(
    "diag.effect_fanout",
    queue="default",
    params=EffectFanoutParams,
    description="Fans out into `items` items that each behave like diag.effect.",
    fanout=True,
)
