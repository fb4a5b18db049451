"""CONVEYOR_QUEUES_FILE: the built-in queues plus a deployment's own, and every way a file is
refused (the message names the file and the field)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conveyor_core.broker.queue_config import (
    QUEUES_FILE_ENV,
    QueueFileError,
    load_queue_file,
    queue_set,
)
from conveyor_core.broker.queues import DEFAULT_POLICIES, Queue, QueueSet

GOOD = """\
queues:
  backfill_high:
    max_retries: 5
    backoff_seconds: 2
    backoff_max_seconds: 120
    jitter: false
    soft_time_limit_seconds: 7200
    time_limit_seconds: 7260
    max_deliveries: 4
    terminate_on_cancel: true
  data_import: {}
  strategy:
  billing:
    max_retries: 12
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "queues.yaml"
    path.write_text(text)
    return path


def test_a_file_adds_queues_after_the_built_in_ones(tmp_path: Path) -> None:
    queues = load_queue_file(write(tmp_path, GOOD))
    assert queues.names == (*QueueSet.defaults().names, "backfill_high", "data_import", "strategy")


def test_a_new_queue_takes_every_key_it_sets(tmp_path: Path) -> None:
    policy = load_queue_file(write(tmp_path, GOOD)).policy("backfill_high")
    assert (policy.retry.max_retries, policy.retry.backoff_seconds) == (5, 2.0)
    assert (policy.retry.backoff_max_seconds, policy.retry.jitter) == (120.0, False)
    assert (policy.soft_time_limit_seconds, policy.time_limit_seconds) == (7200, 7260)
    assert (policy.max_deliveries, policy.terminate_on_cancel) == (4, True)


def test_a_new_queue_without_keys_gets_the_default_queues_policy(tmp_path: Path) -> None:
    queues = load_queue_file(write(tmp_path, GOOD))
    assert queues.policy("data_import") == DEFAULT_POLICIES[Queue.DEFAULT]
    assert queues.policy("strategy") == DEFAULT_POLICIES[Queue.DEFAULT]


def test_an_override_changes_only_the_keys_it_sets(tmp_path: Path) -> None:
    billing = load_queue_file(write(tmp_path, GOOD)).policy("billing")
    built_in = DEFAULT_POLICIES[Queue.BILLING]
    assert billing.retry.max_retries == 12
    assert billing.retry.backoff_max_seconds == built_in.retry.backoff_max_seconds
    assert billing.max_deliveries == built_in.max_deliveries


def test_an_empty_file_is_the_built_in_queues(tmp_path: Path) -> None:
    assert load_queue_file(write(tmp_path, "")) == QueueSet.defaults()
    assert load_queue_file(write(tmp_path, "queues: {}\n")) == QueueSet.defaults()


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("queues:\n  x1:\n    max_retrys: 3\n", "queues.x1.max_retrys", "unknown key"),
        ("queue:\n  x1: {}\n", "queue", "unknown key"),
        ("queues:\n  x1:\n    max_retries: -1\n", "queues.x1.max_retries", "greater than"),
        ("queues:\n  x1:\n    max_retries: '3'\n", "queues.x1.max_retries", "valid integer"),
        ("queues:\n  x1:\n    max_retries: 2.5\n", "queues.x1.max_retries", "valid integer"),
        ("queues:\n  x1:\n    jitter: 'sometimes'\n", "queues.x1.jitter", "valid boolean"),
        ("queues:\n  x1:\n    max_deliveries: 0\n", "queues.x1.max_deliveries", "greater"),
        ("queues:\n  x1:\n    time_limit_seconds: 0\n", "queues.x1.time_limit_seconds", "greater"),
        (
            "queues:\n  x1:\n    soft_time_limit_seconds: 600\n",
            "queues.x1.time_limit_seconds",
            "must exceed soft_time_limit_seconds (600)",
        ),
        (
            "queues:\n  x1:\n    backoff_seconds: 90\n",
            "queues.x1.backoff_max_seconds",
            "must be at least backoff_seconds (90.0)",
        ),
        ("queues:\n  x1: 3\n", "queues.x1", "must be a mapping of policy keys"),
        ("queues: [a, b]\n", "queues", "must map queue names to their policies"),
        ("- a\n- b\n", "file", "must be a mapping with a `queues` key"),
        ("queues:\n  x1: {\n", "line 3", "not valid YAML"),
    ],
)
def test_a_bad_value_names_the_file_and_field(
    tmp_path: Path, text: str, field: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(QueueFileError) as refused:
        load_queue_file(path)
    assert refused.value.field == field
    message = str(refused.value)
    assert message.startswith(f"queues file {path}: {field}: "), message
    assert problem in message


@pytest.mark.parametrize(
    "name",
    ["Backfill", "1st", "back:fill", "back fill", "back.fill", "_hidden", "x" * 33, "unacked"],
)
def test_a_queue_name_redis_or_celery_cannot_hold_is_refused(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, f"queues:\n  '{name}': {{}}\n")
    with pytest.raises(QueueFileError) as refused:
        load_queue_file(path)
    assert refused.value.field == f"queues.{name}"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(QueueFileError, match=f"queues file {missing}: file: cannot be read"):
        load_queue_file(missing)


@pytest.fixture
def fresh_queue_set() -> Iterator[None]:
    queue_set.cache_clear()
    yield
    queue_set.cache_clear()


@pytest.mark.usefixtures("fresh_queue_set")
def test_the_process_reads_the_file_named_by_the_environment_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, GOOD)
    monkeypatch.setenv(QUEUES_FILE_ENV, str(path))
    first = queue_set()
    path.write_text("queues:\n  other: {}\n")
    assert queue_set() is first
    assert "backfill_high" in first


@pytest.mark.usefixtures("fresh_queue_set")
def test_without_a_file_the_process_has_the_built_in_queues(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(QUEUES_FILE_ENV, raising=False)
    assert queue_set() == QueueSet.defaults()


def test_the_documented_example_file_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "queues.yaml"
    queues = load_queue_file(example)
    assert queues.names[-2:] == ("backfill_high", "data_import")
    assert queues.policy("billing").retry.max_retries == 12
    docs = (example.parents[1] / "docs" / "configuration.md").read_text()
    assert example.read_text().split("queues:\n", 1)[1] in docs
