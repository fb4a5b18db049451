"""The deployment's queues: the built-in six, plus what ``CONVEYOR_QUEUES_FILE`` (YAML) says.

.. code-block:: yaml

    queues:
      backfill_high:          # a new queue starts from the default queue's policy
        max_retries: 5
        soft_time_limit_seconds: 7200
        time_limit_seconds: 7260
      billing:                # a built-in queue starts from its own policy
        max_retries: 12

Each process loads the file once (:func:`queue_set`); a file that cannot be served as it is
raises :class:`QueueFileError`, whose message names the file and the field at fault.
"""

from __future__ import annotations

import dataclasses
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from conveyor_core.broker.queues import DEFAULT_POLICIES, Queue, QueuePolicy, QueueSet, RetryPolicy

QUEUES_FILE_ENV = "CONVEYOR_QUEUES_FILE"
# a queue name is a Redis key, a Celery routing key, a Prometheus label value and (with "_"
# read as "-") part of a Kubernetes object name; the jobs table holds at most 32 characters
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_-]{0,31}")
# kombu's own Redis keys beside the queues' lists: a queue of that name would overwrite them
RESERVED_NAMES = frozenset({"unacked", "unacked_index", "unacked_mutex"})
RETRY_KEYS = frozenset(field.name for field in dataclasses.fields(RetryPolicy))


MAPPING_EXPECTED = {
    "file": "must be a mapping with a `queues` key",
    "queues": "must map queue names to their policies",
    "entry": "must be a mapping of policy keys (or nothing, for the default policy)",
}


class QueueFileError(ValueError):
    """The queues file cannot be served: the message names the file and the field."""

    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"queues file {path}: {field}: {problem}")
        self.path, self.field = path, field


class PolicyEntry(BaseModel):
    """One queue's policy keys; a key left out keeps the value of the policy it starts from."""

    model_config = ConfigDict(extra="forbid", strict=True)

    max_retries: int | None = Field(default=None, ge=0)
    backoff_seconds: float | None = Field(default=None, ge=0)
    backoff_max_seconds: float | None = Field(default=None, ge=0)
    jitter: bool | None = None
    soft_time_limit_seconds: int | None = Field(default=None, gt=0)
    time_limit_seconds: int | None = Field(default=None, gt=0)
    max_deliveries: int | None = Field(default=None, ge=1)
    terminate_on_cancel: bool | None = None


class QueueFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    # a queue listed with no keys (``backfill_high:`` or ``backfill_high: {}``) is a new queue
    # on the default policy, or a built-in one left as it is
    queues: dict[str, PolicyEntry | None] = Field(default_factory=dict)


def load_queue_file(path: Path) -> QueueSet:
    """The built-in queues with ``path``'s additions and overrides; raises QueueFileError."""
    document = _read(path)
    try:
        parsed = QueueFile.model_validate(document if document is not None else {})
    except ValidationError as error:
        raise _field_error(path, error) from None
    policies = dict(DEFAULT_POLICIES)
    for name, entry in parsed.queues.items():
        _check_name(path, name)
        base = DEFAULT_POLICIES.get(name, DEFAULT_POLICIES[Queue.DEFAULT])
        policies[name] = _checked(path, name, _merged(base, entry or PolicyEntry()))
    return QueueSet.of(policies)


@lru_cache(maxsize=1)
def queue_set() -> QueueSet:
    """This process's queues: read once, from ``$CONVEYOR_QUEUES_FILE`` when it is set."""
    path = os.environ.get(QUEUES_FILE_ENV, "").strip()
    return load_queue_file(Path(path)) if path else QueueSet.defaults()


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise QueueFileError(path, "file", f"cannot be read ({error.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(error, "problem", None) or str(error)
        raise QueueFileError(path, where, f"not valid YAML ({problem})") from None


def _field_error(path: Path, error: ValidationError) -> QueueFileError:
    first = error.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"] if part != "[key]") or "file"
    if first["type"] == "extra_forbidden":
        return QueueFileError(path, field, "unknown key")
    if first["type"] in ("model_type", "dict_type"):
        return QueueFileError(path, field, MAPPING_EXPECTED.get(field, MAPPING_EXPECTED["entry"]))
    return QueueFileError(path, field, first["msg"])


def _check_name(path: Path, name: str) -> None:
    if not NAME_PATTERN.fullmatch(name):
        raise QueueFileError(
            path,
            f"queues.{name}",
            "not a valid queue name (a lowercase letter, then up to 31 lowercase letters, "
            "digits, '_' or '-')",
        )
    if name in RESERVED_NAMES:
        raise QueueFileError(path, f"queues.{name}", "reserved: the broker uses this Redis key")


def _merged(base: QueuePolicy, entry: PolicyEntry) -> QueuePolicy:
    given = entry.model_dump(exclude_none=True)
    retry = dataclasses.replace(base.retry, **{k: v for k, v in given.items() if k in RETRY_KEYS})
    rest = {k: v for k, v in given.items() if k not in RETRY_KEYS}
    return dataclasses.replace(base, retry=retry, **rest)


def _checked(path: Path, name: str, policy: QueuePolicy) -> QueuePolicy:
    if policy.time_limit_seconds <= policy.soft_time_limit_seconds:
        raise QueueFileError(
            path,
            f"queues.{name}.time_limit_seconds",
            f"must exceed soft_time_limit_seconds ({policy.soft_time_limit_seconds})",
        )
    if policy.retry.backoff_max_seconds < policy.retry.backoff_seconds:
        raise QueueFileError(
            path,
            f"queues.{name}.backoff_max_seconds",
            f"must be at least backoff_seconds ({policy.retry.backoff_seconds})",
        )
    return policy
