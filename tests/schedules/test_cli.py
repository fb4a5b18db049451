"""``conveyor schedules`` against a real api process."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session, sessionmaker

from tests.cli import conveyor
from tests.factories import make_key


def test_create_list_pause_resume_run_and_delete(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    key = make_key(sessions)

    def run(*args: str) -> str:
        done = conveyor("schedules", *args, url=api_server, key=key)
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = json.loads(
        run(
            "create",
            "nightly",
            "diag.echo",
            "--cron",
            "30 2 * * *",
            "--timezone",
            "America/New_York",
            "-p",
            "message=hi",
        )
    )
    assert (created["cron"], created["params"]) == ("30 2 * * *", {"message": "hi"})
    listed = run("list")
    assert "nightly" in listed
    assert "America/New_York" in listed
    assert "nightly paused" in run("pause", "nightly")
    assert "paused" in run("list")
    assert "nightly resumed" in run("resume", created["id"])
    job = json.loads(run("run", "nightly"))
    assert (job["kind"], job["status"]) == ("diag.echo", "queued")
    assert f"deleted {created['id']}" in run("delete", "nightly")
    assert "nightly" not in run("list")


def test_errors_are_one_line_and_exit_non_zero(
    api_server: str, sessions: sessionmaker[Session]
) -> None:
    key = make_key(sessions)
    both = conveyor(
        "schedules",
        "create",
        "x",
        "diag.echo",
        "-p",
        "message=a",
        "--cron",
        "* * * * *",
        "--interval-seconds",
        "5",
        url=api_server,
        key=key,
    )
    assert both.returncode == 1
    assert both.stderr.startswith("error: invalid_schedule: give exactly one of cron")
    assert "Traceback" not in both.stderr
    bad_zone = conveyor(
        "schedules",
        "create",
        "x",
        "diag.echo",
        "-p",
        "message=a",
        "--interval-seconds",
        "5",
        "--timezone",
        "Mars/Olympus",
        url=api_server,
        key=key,
    )
    assert bad_zone.returncode == 1
    assert "timezone" in bad_zone.stderr
    missing = conveyor("schedules", "pause", "nothing-by-this-name", url=api_server, key=key)
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: no schedule named 'nothing-by-this-name'"
    unreachable = conveyor("schedules", "list", url="http://127.0.0.1:9", key=key)
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("error: cannot reach the API")
    assert "Traceback" not in unreachable.stderr
