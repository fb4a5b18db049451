"""A task module loaded without packaging: name it in CONVEYOR_TASK_MODULES and put its
directory on PYTHONPATH.

    CONVEYOR_TASK_MODULES=team_tasks PYTHONPATH=examples/task-modules make dev
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from conveyor import NonRetryable, TaskContext, task


class GreetParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


@task("team.greet")
def greet(params: GreetParams, ctx: TaskContext) -> dict[str, Any]:
    """Greets someone by name."""
    if params.name.lower() == "nobody":
        raise NonRetryable("nobody cannot be greeted")  # retrying would not change the answer
    ctx.log.info("greeting", name=params.name)
    return {"greeting": f"Hello, {params.name}!"}
