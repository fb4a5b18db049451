"""`conveyor watch` against a real api and worker: counts, attempts, errors, unknown ids."""

from __future__ import annotations

import json
import uuid

from sqlalchemy.orm import Session, sessionmaker

from tests.cli import conveyor, one_line_error
from tests.factories import make_key
from tests.processes import Running


def test_a_failed_fanout_shows_succeeded_and_failed_counts_and_the_first_errors(
    api_server: str, sessions: sessionmaker[Session], worker: Running
) -> None:
    key = make_key(sessions)
    params = ["-p", "items=5", "-p", "fail_items=[1, 3]"]
    job_id = json.loads(conveyor("submit", "diag.fanout", *params, url=api_server, key=key).stdout)[
        "id"
    ]
    watched = conveyor("watch", job_id, url=api_server, key=key)
    assert watched.returncode == 1, watched.stderr
    assert f"{job_id} failed: 3 succeeded, 2 failed of 5 items" in watched.stdout
    errors = [line.strip() for line in watched.stdout.splitlines() if line.startswith("  item")]
    assert [line.split(":")[0] for line in errors] == ["item 1", "item 3"]


def test_a_retried_job_shows_its_attempt(
    api_server: str, sessions: sessionmaker[Session], worker: Running, beat: Running
) -> None:
    key = make_key(sessions)
    submitted = conveyor("submit", "diag.flaky", "-p", "fail_times=2", url=api_server, key=key)
    job_id = json.loads(submitted.stdout)["id"]
    watched = conveyor("watch", job_id[:12], url=api_server, key=key)
    assert watched.returncode == 0, watched.stderr
    assert watched.stdout.splitlines()[-1] == f"{job_id} succeeded (attempt 3)"


def test_an_unknown_job_is_an_error_before_anything_is_drawn(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    watched = conveyor("watch", str(uuid.uuid4()), url=api_server, key=make_key(sessions))
    assert "not_found" in one_line_error(watched)
    assert watched.stdout == ""
