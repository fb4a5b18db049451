"""Binding contract names to implementations as Celery tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from conveyor_core.contracts import TaskContract
from conveyor_core.queues import policy_for
from conveyor_worker import runtime
from conveyor_worker.runtime import Implementation

IMPLEMENTATIONS: dict[str, tuple[TaskContract, Implementation]] = {}


def implements(contract: TaskContract) -> Callable[[Implementation], Implementation]:
    def register(implementation: Implementation) -> Implementation:
        if contract.name in IMPLEMENTATIONS:
            raise ValueError(f"{contract.name} has two implementations")
        IMPLEMENTATIONS[contract.name] = (contract, implementation)
        return implementation

    return register


def bind_all(app: Celery) -> None:
    """Register one Celery task per implemented contract, with its queue's limits."""
    for contract, implementation in IMPLEMENTATIONS.values():
        _bind(app, contract, implementation)


def _bind(app: Celery, contract: TaskContract, implementation: Implementation) -> None:
    policy = policy_for(contract.queue)

    def execute(task: Task, job_id: str, item_id: str | None = None, **_: Any) -> None:
        # the queue the message really came from: a job may override its kind's queue
        queue = (task.request.delivery_info or {}).get("routing_key") or str(contract.queue)
        runtime.run(contract, implementation, task.request.id, queue, job_id, item_id)

    app.task(
        name=contract.name,
        bind=True,
        queue=str(contract.queue),
        soft_time_limit=policy.soft_time_limit_seconds,
        time_limit=policy.time_limit_seconds,
        acks_late=True,
    )(execute)
