"""backfill.fetch against a stand-in upstream on a real socket: the plan, the params' checks,
and each kind of answer (200, 5xx, 429, 404, a timeout).

The task bodies run with the in-memory TaskContext of tests/unit/families/memory.py, allowed
only in these unit tests of pure task logic; the end-to-end tests go through the api and
real workers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from conveyor import ItemFailure, NonRetryable, RetryAfter
from conveyor_backfill.contracts import FetchParams
from conveyor_backfill.tasks import Fetch
from conveyor_sources.upstream import UpstreamUnavailable
from tests.unit.families.memory import MemoryContext, MemorySummary
from tests.unit.families.sources import SourcesFile
from tests.unit.families.upstream import Answer, Upstream

PATH = "/units/{unit}/readings?from={start}&to={end}"


def energy(upstream: Upstream, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "energy",
        "type": "http",
        "url": upstream.url + PATH,
        "headers": {"Authorization": "Bearer ${ENERGY_API_TOKEN}"},
        "records": "readings",
        "key": ["unit", "timestamp"],
        "timeouts": {"connect": 2, "read": 0.5},
        **overrides,
    }


def readings(unit: str, day: str, count: int) -> bytes:
    rows = [{"unit": unit, "timestamp": f"{day}T{h:02d}:00", "mwh": h} for h in range(count)]
    return json.dumps({"readings": rows}).encode()


def params(**overrides: Any) -> FetchParams:
    values = {
        "source": "energy",
        "units": ["unit-a", "unit-b"],
        "start": "2024-01-01",
        "end": "2024-06-30",
        "window": "month",
        **overrides,
    }
    return FetchParams.model_validate(values)


WINDOW = {"unit": "unit-a", "start": "2024-01-01", "end": "2024-01-31"}
WINDOW_PATH = "/units/unit-a/readings?from=2024-01-01&to=2024-01-31"


def test_two_units_over_six_months_plan_twelve_windows(
    sources_file: SourcesFile, upstream: Upstream
) -> None:
    sources_file([energy(upstream)])
    plan = list(Fetch().plan(params()))
    assert len(plan) == 12
    assert plan[0] == WINDOW
    assert plan[-1] == {"unit": "unit-b", "start": "2024-06-01", "end": "2024-06-30"}


def test_an_unknown_source_is_refused_naming_the_field(
    sources_file: SourcesFile, upstream: Upstream
) -> None:
    sources_file([energy(upstream), {"name": "news", "type": "rss", "url": upstream.url}])
    for name in ("nowhere", "news"):
        with pytest.raises(ValidationError) as refused:
            params(source=name)
        [error] = refused.value.errors()
        assert error["loc"] == ("source",)
        assert "(configured: energy)" in error["msg"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end": "2023-12-31"}, "end must not be before start"),
        ({"window": "year"}, "window"),
        ({"units": []}, "units"),
        ({"units": ["a", "a"]}, "listed once each"),
        ({"start": "2000-01-01", "end": "2024-12-31", "window": "day"}, "exceed 10000"),
        ({"dataset": "no spaces allowed"}, "dataset"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_params_are_refused(
    sources_file: SourcesFile, upstream: Upstream, overrides: dict[str, Any], field: str
) -> None:
    sources_file([energy(upstream)])
    with pytest.raises(ValidationError, match=field):
        params(**overrides)


def test_a_window_is_fetched_and_upserted_by_the_sources_key(
    sources_file: SourcesFile,
    upstream: Upstream,
    ctx: MemoryContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENERGY_API_TOKEN", "t0ken")
    sources_file([energy(upstream)])
    upstream.answer(WINDOW_PATH, Answer(200, readings("unit-a", "2024-01-01", 24)))
    result = Fetch().item(params(), WINDOW, ctx)
    assert result == {**WINDOW, "rows": 24, "written": 24}
    assert upstream.requests[0].headers["Authorization"] == "Bearer t0ken"
    assert len(ctx.datasets.rows("energy")) == 24
    assert ctx.datasets.key["energy"] == ["unit", "timestamp"]


def test_fetching_a_window_again_changes_nothing(
    sources_file: SourcesFile,
    upstream: Upstream,
    ctx: MemoryContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENERGY_API_TOKEN", "t0ken")
    sources_file([energy(upstream)])
    upstream.answer(WINDOW_PATH, Answer(200, readings("unit-a", "2024-01-01", 24)))
    Fetch().item(params(dataset="readings"), WINDOW, ctx)
    again = Fetch().item(params(dataset="readings"), WINDOW, ctx)
    assert (again["rows"], again["written"]) == (24, 0)
    assert len(ctx.datasets.rows("readings")) == 24


def test_a_5xx_is_retried(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file([energy(upstream, headers={})])
    upstream.answer(WINDOW_PATH, Answer(503, b"maintenance until noon"))
    with pytest.raises(UpstreamUnavailable, match="answered 503: maintenance until noon"):
        Fetch().item(params(), WINDOW, ctx)
    assert ctx.datasets.upserts == []


def test_a_timeout_is_retried(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file([energy(upstream, headers={}, timeouts={"connect": 2, "read": 0.2})])
    upstream.answer(WINDOW_PATH, Answer(200, readings("unit-a", "2024-01-01", 1), delay=1.0))
    with pytest.raises(UpstreamUnavailable, match="timed out"):
        Fetch().item(params(), WINDOW, ctx)


def test_a_refused_connection_is_retried(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    with Upstream() as gone:
        url = gone.url
    sources_file([energy(upstream, headers={}, url=url + PATH)])
    with pytest.raises(UpstreamUnavailable, match="failed: ConnectError"):
        Fetch().item(params(), WINDOW, ctx)


def test_a_429_waits_its_retry_after(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file([energy(upstream, headers={})])
    upstream.answer(WINDOW_PATH, Answer(429, b"slow down", {"Retry-After": "120"}))
    with pytest.raises(RetryAfter, match="rate limited") as limited:
        Fetch().item(params(), WINDOW, ctx)
    assert limited.value.seconds == 120


def test_a_429_without_retry_after_waits_a_minute(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file([energy(upstream, headers={})])
    upstream.answer(WINDOW_PATH, Answer(429, b"", {"Retry-After": "soon"}))
    with pytest.raises(RetryAfter) as limited:
        Fetch().item(params(), WINDOW, ctx)
    assert limited.value.seconds == 60


def test_a_404_fails_at_once_with_the_status_and_an_excerpt(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file([energy(upstream, headers={})])
    upstream.answer(WINDOW_PATH, Answer(404, b'{"error":   "unit\\n unknown"}' + b"x" * 5000))
    with pytest.raises(NonRetryable) as failed:
        Fetch().item(params(), WINDOW, ctx)
    message = str(failed.value)
    assert 'answered 404: {"error": "unit\\n unknown"}' in message
    assert len(message) < 500


def test_a_missing_secret_fails_at_once_without_calling(
    sources_file: SourcesFile,
    upstream: Upstream,
    ctx: MemoryContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ENERGY_API_TOKEN", raising=False)
    sources_file([energy(upstream)])
    with pytest.raises(NonRetryable, match=r"\$\{ENERGY_API_TOKEN\}, which is not set"):
        Fetch().item(params(), WINDOW, ctx)
    assert upstream.requests == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<html>", "not JSON"),
        (b'{"rows": []}', "'readings' is not a list"),
        (b'{"readings": [1]}', "record 0 is not a JSON object"),
        (b'{"readings": [{"unit": "a"}]}', "record 0 has no usable value for its key"),
    ],
)
def test_an_answer_of_the_wrong_shape_fails_at_once(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext, body: bytes, expected: str
) -> None:
    sources_file([energy(upstream, headers={})])
    upstream.answer(WINDOW_PATH, Answer(200, body))
    with pytest.raises(NonRetryable, match=expected):
        Fetch().item(params(), WINDOW, ctx)


def test_an_answer_that_is_the_list_itself(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file([energy(upstream, headers={}, records=None)])
    rows = json.loads(readings("unit-a", "2024-01-01", 3))["readings"]
    upstream.answer(WINDOW_PATH, Answer(200, json.dumps(rows).encode()))
    assert Fetch().item(params(), WINDOW, ctx)["rows"] == 3


def test_units_are_quoted_into_the_url(
    sources_file: SourcesFile, upstream: Upstream, ctx: MemoryContext
) -> None:
    sources_file([energy(upstream, headers={})])
    path = "/units/north%2Fwind%201/readings?from=2024-01-01&to=2024-01-31"
    upstream.answer(path, Answer(200, readings("north/wind 1", "2024-01-01", 2)))
    item = {**WINDOW, "unit": "north/wind 1"}
    assert Fetch().item(params(units=["north/wind 1"]), item, ctx)["rows"] == 2
    assert upstream.paths() == [path]


def test_the_summary_has_rows_per_unit_and_window_totals_and_failures(
    sources_file: SourcesFile, upstream: Upstream
) -> None:
    sources_file([energy(upstream)])
    fetched = [
        {"unit": "a", "start": "2024-01-01", "end": "2024-01-31", "rows": 5},
        {"unit": "a", "start": "2024-02-01", "end": "2024-02-29", "rows": 7},
        {"unit": "b", "start": "2024-01-01", "end": "2024-01-31", "rows": 1},
    ]
    window = {"unit": "b", "start": "2024-02-01", "end": "2024-02-29"}
    failed = [{**window, "error": "404"}]
    outcomes = MemorySummary(fetched, [ItemFailure(3, window, {"type": "E", "message": "404"})])
    summary = Fetch().finalize(params(), outcomes)
    assert summary["rows"] == {"a": {"2024-01-01": 5, "2024-02-01": 7}, "b": {"2024-01-01": 1}}
    assert summary["totals"] == {"rows": 13, "windows": 3, "failed_windows": 1}
    assert summary["failures"] == failed
    assert summary["dataset"] == "energy"
