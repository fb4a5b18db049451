"""Creating jobs: validate against the contract, commit the row, then publish its message."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.publishing import Delivery, Publisher
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.broker.queues import DEFAULT_PRIORITY
from conveyor_core.db.engine import transaction
from conveyor_core.jobs.kinds import KindContract, UnknownKind, get_kind
from conveyor_core.jobs.repository import jobs, task_rows
from conveyor_core.jobs.signals import jobs_created
from conveyor_core.models import Job
from conveyor_core.observability.tracing import current_trace_id
from conveyor_core.settings import Settings

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class JobRequest:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    queue: str | None = None
    priority: int | None = None
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        body = {
            "kind": self.kind,
            "params": self.params,
            "queue": self.queue,
            "priority": self.priority,
        }
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


class InvalidParams(ValueError):
    def __init__(self, kind: str, error: ValidationError) -> None:
        super().__init__(f"params do not match the contract of {kind!r}")
        self.errors = error.errors(include_url=False, include_context=False)


class UnknownQueue(ValueError):
    def __init__(self, queue: str) -> None:
        super().__init__(f"unknown queue {queue!r}; known: {', '.join(queue_set().names)}")
        self.queue = queue


class InvalidBatch(ValueError):
    """Some jobs of a batch are invalid; nothing was created. ``errors`` locate each problem."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the batch; no job was created")
        self.errors = errors


class IdempotencyConflict(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(f"Idempotency-Key {key!r} was already used with a different request")
        self.key = key


@dataclass(frozen=True, slots=True)
class Created:
    job: Job
    # False when an earlier request with the same Idempotency-Key created the job
    created: bool


def _queue(request: JobRequest, contract: KindContract) -> str:
    if request.queue is None:
        return contract.queue
    if request.queue not in queue_set():
        raise UnknownQueue(request.queue)
    return request.queue


def _validated_params(request: JobRequest, contract: KindContract) -> dict[str, Any]:
    try:
        return contract.params.model_validate(request.params).model_dump(mode="json")
    except ValidationError as error:
        raise InvalidParams(request.kind, error) from None


def job_values(request: JobRequest, settings: Settings, tenant_id: uuid.UUID) -> dict[str, Any]:
    """The row to insert for ``request``; raises on an unknown kind or queue or bad params."""
    contract = get_kind(request.kind)
    return {
        "id": uuid.uuid4(),
        "tenant_id": tenant_id,
        "kind": contract.name,
        "queue": str(_queue(request, contract)),
        "priority": DEFAULT_PRIORITY if request.priority is None else request.priority,
        "params": _validated_params(request, contract),
        "idempotency_key": request.idempotency_key,
        "request_hash": request.fingerprint() if request.idempotency_key else None,
        "trace_id": current_trace_id(),
    }


def _existing(session: Session, tenant_id: uuid.UUID, request: JobRequest) -> Job:
    assert request.idempotency_key is not None
    job = jobs.get_job_by_idempotency_key(session, tenant_id, request.idempotency_key)
    assert job is not None, "the conflicting row is visible once its transaction committed"
    if job.request_hash != request.fingerprint():
        raise IdempotencyConflict(request.idempotency_key)
    return job


def delivery_of(job: Job) -> Delivery:
    return Delivery(kind=job.kind, queue=job.queue, priority=job.priority, job_id=job.id)


def publish_committed(
    sessions: sessionmaker[Session], publisher: Publisher, deliveries: list[Delivery]
) -> None:
    """Send the messages of committed rows. A broker failure loses nothing: the rows stay
    unpublished and the reconciler sends them."""
    try:
        publisher.publish_many(deliveries)
    except Exception as error:  # any broker failure: the outbox row is the retry
        log.warning(
            "publish deferred to the reconciler", error=repr(error), messages=len(deliveries)
        )
        return
    with transaction(sessions) as session:
        task_rows.mark_deliveries_published(session, deliveries)


def create_job(
    sessions: sessionmaker[Session],
    publisher: Publisher,
    settings: Settings,
    tenant_id: uuid.UUID,
    request: JobRequest,
) -> Created:
    values = job_values(request, settings, tenant_id)
    with transaction(sessions) as session:
        job = jobs.insert_job(session, **values)
        if job is None:
            return Created(_existing(session, tenant_id, request), created=False)
    jobs_created.send(sender=create_job, jobs=[job])
    publish_committed(sessions, publisher, [delivery_of(job)])
    log.info("job accepted", job_id=str(job.id), kind=job.kind, queue=job.queue)
    return Created(job, created=True)


def _batch_values(
    requests: list[JobRequest], settings: Settings, tenant_id: uuid.UUID
) -> list[dict[str, Any]]:
    values, errors = [], []
    for index, request in enumerate(requests):
        try:
            values.append(job_values(request, settings, tenant_id))
        except InvalidParams as error:
            errors += [
                {**e, "loc": ["body", "jobs", index, "params", *e["loc"]]} for e in error.errors
            ]
        except (UnknownKind, UnknownQueue) as error:
            field_name = "kind" if isinstance(error, UnknownKind) else "queue"
            errors.append(
                {
                    "loc": ["body", "jobs", index, field_name],
                    "msg": str(error),
                    "type": f"unknown_{field_name}",
                }
            )
    if errors:
        raise InvalidBatch(errors)
    return values


def create_jobs(
    sessions: sessionmaker[Session],
    publisher: Publisher,
    settings: Settings,
    tenant_id: uuid.UUID,
    requests: list[JobRequest],
) -> list[Job]:
    """Create many jobs at once, all or none, then publish them in bulk; in request order."""
    values = _batch_values(requests, settings, tenant_id)
    with transaction(sessions) as session:
        created = jobs.insert_jobs(session, values)
    jobs_created.send(sender=create_jobs, jobs=created)
    publish_committed(sessions, publisher, [delivery_of(job) for job in created])
    log.info("jobs accepted", count=len(created))
    return created
