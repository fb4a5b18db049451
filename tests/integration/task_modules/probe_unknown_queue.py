"""A task on a queue no deployment configures: the process stops at start."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from conveyor import TaskContext, task


class NoParams(BaseModel):
    pass


@task("probe.lost", queue="nowhere")
def lost(params: NoParams, ctx: TaskContext) -> dict[str, Any]:
    return {}
