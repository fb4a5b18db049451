"""Declares a kind probe_tasks declares too: loading both stops the process."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from conveyor import TaskContext, task


class EchoParams(BaseModel):
    message: str


@task("probe.refuse")
def refuse_again(params: EchoParams, ctx: TaskContext) -> dict[str, Any]:
    return {"message": params.message}
