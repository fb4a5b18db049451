"""``conveyor watch``: a job's status, attempt and item counts, live, until it finishes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn

from conveyor_cli.client import ApiClient, KeyOption, UrlOption
from conveyor_cli.resolve import JOBS, JobId, job_id
from conveyor_cli.tables import console

ERRORS_SHOWN = 5
ITEM_OUTCOMES = ("succeeded", "failed", "cancelled")


def _counts(progress: dict[str, Any]) -> str:
    counted = [f"{progress[k]} {k}" for k in ITEM_OUTCOMES if progress.get(k)]
    return f"{', '.join(counted) or 'none finished'} of {progress['total']} items"


def _state(job: dict[str, Any]) -> str:
    """``queued (attempt 2)``, or for a fan-out ``running: 7 succeeded, 1 failed of 10 items``."""
    if job["progress"]["total"]:
        return f"{job['status']}: {_counts(job['progress'])}"
    return f"{job['status']} (attempt {job['attempts']})" if job["attempts"] else job["status"]


def _follow(client: ApiClient, path: str, job: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The job as it stands, then after every event of its stream, then as it ended."""
    yield job
    for event in client.events(f"{path}/events"):
        changed = event["status"] != job["status"]
        job = {**job, **event}
        if changed and "attempts" not in event:
            job = client.call("GET", path)  # events carry no attempt count: read it afresh
        yield job
    yield client.call("GET", path)


class _View:
    """A progress bar on a terminal; elsewhere (logs, pipes) one line per status or attempt."""

    def __init__(self) -> None:
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), console=console)
        self.task: TaskID | None = None
        self.shown: tuple[str, int] | None = None

    def __enter__(self) -> _View:
        if console.is_terminal:
            self.bar.start()
            self.task = self.bar.add_task("", total=None)
        return self

    def __exit__(self, *_: object) -> None:
        if self.task is not None:
            self.bar.stop()

    def show(self, job: dict[str, Any]) -> None:
        line = f"{job['id']} {_state(job)}"
        if self.task is not None:
            p = job["progress"]
            done = sum(p.get(k, 0) for k in ITEM_OUTCOMES) if p["total"] else 0
            self.bar.update(self.task, total=p["total"] or None, completed=done, description=line)
        elif (job["status"], job["attempts"]) != self.shown:
            console.print(line, highlight=False, soft_wrap=True)
        self.shown = (job["status"], job["attempts"])


def _first_errors(client: ApiClient, path: str, job: dict[str, Any]) -> list[str]:
    def said(error: dict[str, Any] | None) -> str:
        return f"{(error or {}).get('type', 'error')}: {(error or {}).get('message', '')}"

    if not job["progress"]["failed"]:
        return [f"  {said(job['error'])}"] if job["error"] else []
    query = {"status": "failed", "limit": ERRORS_SHOWN}
    failed = client.call("GET", f"{path}/items", params=query)["items"]
    return [f"  item {item['position']}: {said(item['error'])}" for item in failed]


def watch(job: JobId, url: UrlOption = None, api_key: KeyOption = "") -> None:
    """Follow a job live until it finishes; exits 1 unless it succeeded.

    Shows its status and attempt, a fan-out's items succeeded and failed, then the first errors.
    """
    client = ApiClient(url, api_key)
    path = f"{JOBS}/{job_id(client, job)}"
    first = client.call("GET", path)  # an unknown job fails here, before anything is drawn
    with _View() as view:
        for last in _follow(client, path, first):
            view.show(last)
    console.print(f"{last['id']} {_state(last)}", highlight=False, soft_wrap=True)
    for line in _first_errors(client, path, last):
        console.print(line, highlight=False, soft_wrap=True, markup=False)
    if last["status"] != "succeeded":
        raise typer.Exit(1)
