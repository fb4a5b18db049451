"""The `conveyor` command against a real api process and worker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from conveyor_cli.devstack.ports import free_port
from conveyor_core.auth.keys import Scope
from tests.cli import conveyor, one_line_error
from tests.factories import make_key
from tests.processes import Running


def test_submit_watch_list_and_delete_a_job(
    api_server: str, sessions: sessionmaker[Session], worker: Running
) -> None:
    key = make_key(sessions)
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
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    key = make_key(sessions)
    bad = conveyor("submit", "diag.echo", url=api_server, key=key)
    assert bad.returncode == 1
    assert "invalid_params" in bad.stderr
    assert "params.message" in bad.stderr
    assert conveyor("status", "x", url=api_server, key="cvk_wrong").returncode == 1
    malformed = conveyor("submit", "diag.echo", "-p", "nokey", url=api_server, key=key)
    assert malformed.returncode == 1
    assert "key=value" in malformed.stderr


def test_operator_commands_show_queues_and_workers(
    api_server: str, sessions: sessionmaker[Session], worker: Running
) -> None:
    admin = make_key(sessions, scopes=[Scope.ADMIN])
    queues = conveyor("queues", url=api_server, key=admin)
    assert queues.returncode == 0
    assert "maintenance" in queues.stdout
    workers = conveyor("workers", url=api_server, key=admin)
    assert workers.returncode == 0
    assert "worker0@" in workers.stdout
    assert conveyor("workers", url=api_server, key=make_key(sessions)).returncode == 1


def test_an_empty_api_key_is_said_to_be_missing(api_server: str) -> None:
    line = one_line_error(conveyor("jobs", url=api_server, key=""))
    assert "no API key" in line
    assert "CONVEYOR_API_KEY" in line


@pytest.mark.parametrize(
    "args", [["jobs"], ["status", "0f"], ["watch", "0f0f0f0f-0000-0000-0000-000000000000"]]
)
def test_an_unreachable_api_is_one_line_not_a_traceback(args: list[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert "cannot reach the API" in one_line_error(conveyor(*args, url=url, key="cvk_x"))


def test_a_bad_key_and_a_4xx_answer_are_one_line(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    assert "unauthorized" in one_line_error(conveyor("jobs", url=api_server, key="cvk_wrong"))
    forbidden = one_line_error(conveyor("queues", url=api_server, key=make_key(sessions)))
    assert "forbidden" in forbidden


def _batch_file(tmp_path: Path, jobs: list[dict[str, Any]]) -> Path:
    path = tmp_path / "jobs.jsonl"
    path.write_text("".join(json.dumps(job) + "\n\n" for job in jobs))
    return path


def _batch(api_server: str, key: str, tmp_path: Path, count: int) -> list[str]:
    echo = {"kind": "diag.echo", "params": {"message": "x"}}
    made = conveyor("batch", str(_batch_file(tmp_path, [echo] * count)), url=api_server, key=key)
    assert made.returncode == 0, made.stderr
    assert f"created {count} jobs" in made.stderr
    return made.stdout.split()


def _unique_prefix(job_id: str, others: list[str]) -> str:
    return next(
        job_id[:n] for n in range(1, 37) if not any(o.startswith(job_id[:n]) for o in others)
    )


def test_tables_show_whole_ids_at_80_columns(
    api_server: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    key = make_key(sessions)
    ids = _batch(api_server, key, tmp_path, 3)
    listed = conveyor("jobs", url=api_server, key=key, columns=80)
    assert listed.returncode == 0, listed.stderr
    for job_id in ids:
        assert job_id in listed.stdout, listed.stdout


def test_every_job_command_takes_a_unique_id_prefix(
    api_server: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    key = make_key(sessions)
    # 17 ids: two of them surely share their first hex digit
    ids = _batch(api_server, key, tmp_path, 17)
    job_id = ids[0]
    short = _unique_prefix(job_id, ids[1:])
    assert json.loads(conveyor("status", short, url=api_server, key=key).stdout)["id"] == job_id
    refreshed = conveyor("refresh-progress", short, url=api_server, key=key)
    assert json.loads(refreshed.stdout)["id"] == job_id
    assert "no items" not in conveyor("items", short, url=api_server, key=key).stderr
    cancelled = conveyor("cancel", short, url=api_server, key=key)
    assert cancelled.stdout.split() == [job_id, "cancelled"], cancelled.stderr
    deleted = conveyor("delete", short, url=api_server, key=key)
    assert deleted.stdout.split() == ["deleted", job_id], deleted.stderr

    digit = next(d for d in "0123456789abcdef" if sum(i.startswith(d) for i in ids[1:]) > 1)
    ambiguous = one_line_error(conveyor("status", digit, url=api_server, key=key))
    assert "ambiguous" in ambiguous
    unknown = next(
        p
        for p in (f"{a}{b}" for a in "0123456789abcdef" for b in "0123456789abcdef")
        if not any(i.startswith(p) for i in ids)
    )
    assert "no job id starts with" in one_line_error(
        conveyor("retry", unknown, url=api_server, key=key)
    )
    assert "not a job id" in one_line_error(conveyor("status", "zz", url=api_server, key=key))


def test_jobs_pages_with_cursor_and_all(
    api_server: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    key = make_key(sessions)
    ids = _batch(api_server, key, tmp_path, 5)
    first = conveyor("jobs", "--limit", "2", url=api_server, key=key)
    cursor = first.stderr.split("--cursor ")[1].strip()
    second = conveyor("jobs", "--limit", "2", "--cursor", cursor, url=api_server, key=key)
    assert second.returncode == 0, second.stderr
    shown = [i for i in ids if i in first.stdout] + [i for i in ids if i in second.stdout]
    assert len(set(shown)) == 4
    everything = conveyor("jobs", "--limit", "2", "--all", url=api_server, key=key)
    assert all(i in everything.stdout for i in ids)
    assert "--cursor" not in everything.stderr


def test_batch_refuses_a_bad_line_naming_it_and_creates_nothing(
    api_server: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    key = make_key(sessions)
    good = {"kind": "diag.echo", "params": {"message": "x"}}
    path = _batch_file(tmp_path, [good, {"kind": "diag.echo", "params": {}}])
    refused = conveyor("batch", str(path), url=api_server, key=key)
    assert refused.returncode == 1
    assert f"{path}:3: params.message" in refused.stderr  # the second job, after a blank line
    path.write_text("{not json\n")
    assert ":1: not JSON" in one_line_error(conveyor("batch", str(path), url=api_server, key=key))
    listed = conveyor("jobs", url=api_server, key=key)
    assert "diag.echo" not in listed.stdout
    from_stdin = conveyor("batch", "-", url=api_server, key=key, stdin=json.dumps(good))
    assert len(from_stdin.stdout.split()) == 1


def test_kinds_lists_what_can_be_submitted(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    kinds = conveyor("kinds", url=api_server, key=make_key(sessions))
    assert kinds.returncode == 0, kinds.stderr
    assert "diag.fanout" in kinds.stdout
    assert "diag.echo" in kinds.stdout


def test_items_lists_a_fanout_jobs_items_and_their_errors(
    api_server: str, sessions: sessionmaker[Session], worker: Running
) -> None:
    key = make_key(sessions)
    submitted = conveyor(
        "submit", "diag.fanout", "-p", "items=3", "-p", "fail_items=[1]", url=api_server, key=key
    )
    job_id = json.loads(submitted.stdout)["id"]
    conveyor("watch", job_id, url=api_server, key=key)
    listed = conveyor("items", job_id[:10], url=api_server, key=key)
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if "succeeded" in line or "failed" in line]
    assert len(rows) == 3
    failed = conveyor("items", job_id, "--status", "failed", url=api_server, key=key)
    assert "failed" in failed.stdout
    assert "succeeded" not in failed.stdout
