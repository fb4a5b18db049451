"""Publishing task messages by contract name: the one way work reaches the broker."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from celery import Celery

from conveyor_core.broker.queue_config import queue_set
from conveyor_core.broker.queues import broker_priority

BATCH_SIZE = 500  # Redis commands buffered per pipeline round trip


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a message must carry to find its row: the kind names the task, the ids the row."""

    kind: str
    queue: str
    priority: int
    job_id: uuid.UUID
    item_id: uuid.UUID | None = None

    def kwargs(self) -> dict[str, str | None]:
        return {
            "job_id": str(self.job_id),
            "item_id": str(self.item_id) if self.item_id else None,
        }


class Publisher:
    def __init__(self, app: Celery) -> None:
        self._app = app

    @property
    def app(self) -> Celery:
        return self._app

    def publish(self, delivery: Delivery) -> None:
        self.publish_many([delivery])

    def publish_many(self, deliveries: list[Delivery]) -> None:
        """Send every message through one pipelined batch: a round trip per BATCH_SIZE.

        Each message carries its queue's time limits: a job sent to another queue than its
        kind's runs under the limits of the queue it is on."""
        queues = queue_set()
        with self._app.producer_or_acquire() as producer, producer.batch(max_size=BATCH_SIZE):
            for delivery in deliveries:
                policy = queues.policy_or_default(delivery.queue)
                self._app.send_task(
                    delivery.kind,
                    kwargs=delivery.kwargs(),
                    queue=delivery.queue,
                    routing_key=delivery.queue,
                    priority=broker_priority(delivery.priority),
                    soft_time_limit=policy.soft_time_limit_seconds,
                    time_limit=policy.time_limit_seconds,
                    producer=producer,
                )
