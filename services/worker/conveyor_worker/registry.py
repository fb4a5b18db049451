"""Binding contract names to implementations as Celery tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery, Task

from conveyor_core.contracts import TaskContract
from conveyor_core.queues import policy_for
from conveyor_worker import runtime
from conveyor_worker.context import FanOut, Implementation

IMPLEMENTATIONS: dict[str, tuple[TaskContract, Implementation | FanOut]] = {}


def _register(contract: TaskContract, implementation: Implementation | FanOut) -> None:
    if contract.name in IMPLEMENTATIONS:
        raise ValueError(f"{contract.name} has two implementations")
    if contract.fanout != isinstance(implementation, FanOut):
        raise TypeError(f"{contract.name}: fan-out contracts need a FanOut implementation")
    IMPLEMENTATIONS[contract.name] = (contract, implementation)


def implements(contract: TaskContract) -> Callable[[Implementation], Implementation]:
    def register(implementation: Implementation) -> Implementation:
        _register(contract, implementation)
        return implementation

    return register


def fans_out(contract: TaskContract, fanout: FanOut) -> None:
    _register(contract, fanout)


def bind_all(app: Celery) -> None:
    """Register one Celery task per implemented contract, with its queue's limits."""
    for contract, implementation in IMPLEMENTATIONS.values():
        _bind(app, contract, implementation)


def _bind(app: Celery, contract: TaskContract, implementation: Implementation | FanOut) -> None:
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
