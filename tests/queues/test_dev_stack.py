"""`conveyor dev` and the test stack start their worker on every configured queue, and refuse a
bad queues file before starting anything."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from conveyor_cli.devstack import commands
from conveyor_core.broker.queue_config import QUEUES_FILE_ENV
from conveyor_core.broker.queues import QueueSet
from tests.cli import one_line_error, stack_env
from tests.queues.configured import CONFIGURED

REFUSAL_TIMEOUT_SECONDS = 60


@pytest.mark.usefixtures("queues_file")
def test_the_dev_worker_consumes_every_configured_queue() -> None:
    argv = commands.worker()
    assert argv[argv.index("-Q") + 1].split(",") == [*QueueSet.defaults().names, *CONFIGURED]


def test_conveyor_dev_refuses_a_bad_queues_file_naming_the_field(tmp_path: Path) -> None:
    queues = tmp_path / "queues.yaml"
    queues.write_text("queues:\n  backfill_high:\n    max_retrys: 3\n")
    env = {**stack_env(tmp_path / ".conveyor"), QUEUES_FILE_ENV: str(queues)}
    result = subprocess.run(
        ["conveyor", "dev"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=REFUSAL_TIMEOUT_SECONDS,
    )
    line = one_line_error(result)
    assert f"queues file {queues}: queues.backfill_high.max_retrys: unknown key" in line
    assert not (tmp_path / ".conveyor").exists()
