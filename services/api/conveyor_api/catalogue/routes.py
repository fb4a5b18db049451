"""GET /api/v1/task-kinds: what can be submitted, with the JSON schema of its params."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from conveyor_api.deps import JobsReader
from conveyor_api.jobs.routes import AUTH_ERRORS
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.jobs.kinds import all_kinds


class RetryPolicyOut(BaseModel):
    max_retries: int
    backoff_seconds: float
    backoff_max_seconds: float
    jitter: bool


class TaskKind(BaseModel):
    kind: str
    queue: str
    description: str
    fanout: bool
    params_schema: dict[str, Any]
    retry: RetryPolicyOut
    soft_time_limit_seconds: int
    time_limit_seconds: int


class TaskKindList(BaseModel):
    items: list[TaskKind]


router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/task-kinds", response_model=TaskKindList, responses=AUTH_ERRORS)
def task_kinds(_: JobsReader) -> TaskKindList:
    items = []
    for contract in all_kinds():
        policy = queue_set().policy(contract.queue)
        items.append(
            TaskKind(
                kind=contract.name,
                queue=str(contract.queue),
                description=contract.description,
                fanout=contract.fanout,
                params_schema=contract.params.model_json_schema(),
                retry=RetryPolicyOut(**asdict(policy.retry)),
                soft_time_limit_seconds=policy.soft_time_limit_seconds,
                time_limit_seconds=policy.time_limit_seconds,
            )
        )
    return TaskKindList(items=items)
