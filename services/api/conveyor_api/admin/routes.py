"""Operator endpoints (admin scope): queue depth, workers, active tasks, revoking a task."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from conveyor_api.deps import Admin, ResourcesDep
from conveyor_api.jobs.routes import AUTH_ERRORS
from conveyor_core.broker.depth import queue_depths
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.broker.queues import QueuePolicy
from conveyor_core.broker.workers import registered_workers

router = APIRouter(prefix="/api/v1", tags=["operations"])

INSPECT_TIMEOUT_SECONDS = 1.0


class QueuePolicyOut(BaseModel):
    """The queue's policy as this deployment configures it (the keys of CONVEYOR_QUEUES_FILE)."""

    max_retries: int
    backoff_seconds: float
    backoff_max_seconds: float
    jitter: bool
    soft_time_limit_seconds: int
    time_limit_seconds: int
    max_deliveries: int
    terminate_on_cancel: bool

    @classmethod
    def of(cls, policy: QueuePolicy) -> QueuePolicyOut:
        rest = {k: v for k, v in asdict(policy).items() if k != "retry"}
        return cls(**asdict(policy.retry), **rest)


class QueueOut(BaseModel):
    queue: str
    waiting: int
    in_flight: int
    by_priority_list: dict[str, int]
    policy: QueuePolicyOut


class QueueList(BaseModel):
    items: list[QueueOut]


class WorkerOut(BaseModel):
    hostname: str
    pool: str
    queues: list[str]
    concurrency: int
    active: int
    processed: int
    last_heartbeat: float


class WorkerList(BaseModel):
    items: list[WorkerOut]


class ActiveTask(BaseModel):
    task_id: str
    name: str
    worker: str
    queue: str | None
    job_id: str | None
    item_id: str | None
    started: float | None


class ActiveTaskList(BaseModel):
    items: list[ActiveTask]


class Revoked(BaseModel):
    task_id: str
    terminate: bool


@router.get("/queues", response_model=QueueList, responses=AUTH_ERRORS)
def queues(_: Admin, res: ResourcesDep) -> QueueList:
    """Every configured queue: waiting messages (every priority list), in-flight (reserved,
    unacked) and its policy."""
    queues = queue_set()
    return QueueList(
        items=[
            QueueOut(**asdict(d), policy=QueuePolicyOut.of(queues.policy(d.queue)))
            for d in queue_depths(res.redis, list(queues.names))
        ]
    )


def _inspect(res: ResourcesDep) -> Any:
    return res.celery.control.inspect(timeout=INSPECT_TIMEOUT_SECONDS)


@router.get("/workers", response_model=WorkerList, responses=AUTH_ERRORS)
def workers(_: Admin, res: ResourcesDep) -> WorkerList:
    """Workers that heartbeated recently, with live counts from the ones that answer."""
    inspect = _inspect(res)
    active = inspect.active() or {}
    stats = inspect.stats() or {}
    items = []
    for worker in registered_workers(res.redis):
        processed = sum((stats.get(worker.hostname, {}).get("total") or {}).values())
        items.append(
            WorkerOut(
                hostname=worker.hostname,
                pool=worker.pool,
                queues=worker.queues,
                concurrency=worker.concurrency,
                active=len(active.get(worker.hostname, [])),
                processed=processed,
                last_heartbeat=worker.last_heartbeat,
            )
        )
    return WorkerList(items=items)


@router.get("/tasks/active", response_model=ActiveTaskList, responses=AUTH_ERRORS)
def active_tasks(_: Admin, res: ResourcesDep) -> ActiveTaskList:
    items = []
    for worker, tasks in (_inspect(res).active() or {}).items():
        for task in tasks:
            kwargs = task.get("kwargs") or {}
            items.append(
                ActiveTask(
                    task_id=task["id"],
                    name=task["name"],
                    worker=worker,
                    queue=(task.get("delivery_info") or {}).get("routing_key"),
                    job_id=kwargs.get("job_id"),
                    item_id=kwargs.get("item_id"),
                    started=task.get("time_start"),
                )
            )
    return ActiveTaskList(items=items)


@router.delete("/tasks/{task_id}", status_code=202, response_model=Revoked, responses=AUTH_ERRORS)
def revoke_task(
    task_id: str,
    _: Admin,
    res: ResourcesDep,
    terminate: Annotated[bool, Query(description="Kill the process running it (SIGTERM)")] = False,
) -> Revoked:
    res.celery.control.revoke(task_id, terminate=terminate)
    return Revoked(task_id=task_id, terminate=terminate)
