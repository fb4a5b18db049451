"""The stand-in upstreams a newcomer tries the workloads against: served on a real socket, with
the sources file they write, through the families' task bodies.

The task bodies run with the in-memory TaskContext of tests/unit/families/memory.py, allowed
only in these unit tests of pure task logic; the end-to-end tests go through the api and
real workers.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from conveyor import NonRetryable, RetryAfter
from conveyor_backfill.contracts import FetchParams
from conveyor_backfill.tasks import Fetch
from conveyor_ingest.contracts import FeedParams
from conveyor_ingest.tasks import feed
from conveyor_sources import SOURCES_FILE_ENV, load_sources
from conveyor_sources.standins import Standins, sources
from conveyor_sources.upstream import UpstreamUnavailable
from tests.unit.families.memory import MemoryContext


@pytest.fixture
def standins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Standins]:
    server = Standins()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(sources(server.url)))
    monkeypatch.setenv(SOURCES_FILE_ENV, str(path))
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def backfill(units: list[str]) -> FetchParams:
    return FetchParams.model_validate(
        {
            "source": "standin-energy",
            "units": units,
            "start": "2024-01-01",
            "end": "2024-02-29",
            "window": "month",
        }
    )


def test_the_energy_stand_in_answers_every_window_the_same(
    standins: Standins, ctx: MemoryContext
) -> None:
    fetch = Fetch()
    params = backfill(["unit-a", "unit-b"])
    results = [fetch.item(params, item, ctx) for item in fetch.plan(params)]
    assert [r["rows"] for r in results] == [744, 696, 744, 696]
    again = [fetch.item(params, item, ctx) for item in fetch.plan(params)]
    assert [r["written"] for r in again] == [0, 0, 0, 0]
    assert len(ctx.datasets.rows("standin-energy")) == 2 * (744 + 696)


def test_the_failing_units_show_each_failure_path(standins: Standins, ctx: MemoryContext) -> None:
    fetch = Fetch()
    window = {"start": "2024-01-01", "end": "2024-01-31"}
    with pytest.raises(UpstreamUnavailable, match="503"):
        fetch.item(backfill(["flaky"]), {"unit": "flaky", **window}, ctx)
    assert fetch.item(backfill(["flaky"]), {"unit": "flaky", **window}, ctx)["rows"] == 744
    with pytest.raises(RetryAfter) as limited:
        fetch.item(backfill(["limited"]), {"unit": "limited", **window}, ctx)
    assert limited.value.seconds == 1
    with pytest.raises(NonRetryable, match="404"):
        fetch.item(backfill(["missing"]), {"unit": "missing", **window}, ctx)


def test_the_feed_stand_ins_ingest(standins: Standins, ctx: MemoryContext) -> None:
    assert feed(FeedParams(source="standin-news"), ctx)["events"] == 3
    assert feed(FeedParams(source="standin-calendar", horizon_days=14), ctx)["events"] >= 6


def test_the_command_serves_and_writes_its_sources_file(tmp_path: Path) -> None:
    path = tmp_path / "dev" / "sources.yaml"
    command = [sys.executable, "-m", "conveyor_sources.standins", "--sources-file", str(path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        assert [s.name for s in load_sources(path)] == [
            "standin-energy",
            "standin-calendar",
            "standin-news",
        ]
        answer = httpx.get(url + "/energy/units/u1/readings?from=2024-01-01&to=2024-01-01")
        assert len(answer.json()["readings"]) == 24
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
