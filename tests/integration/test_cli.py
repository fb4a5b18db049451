"""The `conveyor` command against a real api process and worker."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable

from conveyor_core.auth.keys import Scope
from tests.processes import Running


def conveyor(*args: str, url: str, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["conveyor", *args],
        capture_output=True,
        text=True,
        check=False,
        env={
            "CONVEYOR_URL": url,
            "CONVEYOR_API_KEY": key,
            "PATH": os.environ["PATH"],
            "COLUMNS": "200",
        },
        timeout=120,
    )


def test_submit_watch_list_and_delete_a_job(
    api_server: str, make_key: Callable[..., str], worker: Running
) -> None:
    key = make_key()
    submitted = conveyor(
        "submit", "diag.fanout", "-p", "items=5", "-p", "sleep_ms=50", url=api_server, key=key
    )
    assert submitted.returncode == 0, submitted.stderr
    job_id = json.loads(submitted.stdout)["id"]

    watched = conveyor("watch", job_id, url=api_server, key=key)
    assert watched.returncode == 0, watched.stderr
    assert f"{job_id} succeeded" in watched.stdout

    status = json.loads(conveyor("status", job_id, url=api_server, key=key).stdout)
    assert status["progress"]["succeeded"] == 5
    assert job_id in conveyor("jobs", url=api_server, key=key).stdout
    assert conveyor("delete", job_id, url=api_server, key=key).returncode == 0
    gone = conveyor("status", job_id, url=api_server, key=key)
    assert gone.returncode == 1
    assert "not_found" in gone.stderr


def test_errors_print_the_api_message_and_exit_non_zero(
    api_server: str, make_key: Callable[..., str]
) -> None:
    key = make_key()
    bad = conveyor("submit", "diag.echo", url=api_server, key=key)
    assert bad.returncode == 1
    assert "invalid_params" in bad.stderr
    assert "params.message" in bad.stderr
    assert conveyor("status", "x", url=api_server, key="cvk_wrong").returncode == 1
    malformed = conveyor("submit", "diag.echo", "-p", "nokey", url=api_server, key=key)
    assert malformed.returncode == 1
    assert "key=value" in malformed.stderr


def test_operator_commands_show_queues_and_workers(
    api_server: str, make_key: Callable[..., str], worker: Running
) -> None:
    admin = make_key(scopes=[Scope.ADMIN])
    queues = conveyor("queues", url=api_server, key=admin)
    assert queues.returncode == 0
    assert "maintenance" in queues.stdout
    workers = conveyor("workers", url=api_server, key=admin)
    assert workers.returncode == 0
    assert "worker0@" in workers.stdout
    assert conveyor("workers", url=api_server, key=make_key()).returncode == 1
