"""The body of ``backfill.fetch``: imported by workers only (httpx)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any
from urllib.parse import quote

from conveyor import FanoutSummary, TaskContext, fanout
from conveyor_backfill.contracts import FetchParams
from conveyor_backfill.records import parse_records
from conveyor_backfill.summary import summarise
from conveyor_backfill.windows import windows
from conveyor_sources import HttpSource
from conveyor_sources.upstream import fetch

UPSERT_CHUNK = 1000  # records per upsert call: one transaction each, bounded in size


@fanout("backfill.fetch")
class Fetch:
    """One item per unit and window; each item GETs its window and upserts its records."""

    def plan(self, params: FetchParams) -> Iterator[dict[str, Any]]:
        for unit in params.units:
            for span in windows(params.start, params.end, params.window):
                yield {"unit": unit, "start": span.start.isoformat(), "end": span.end.isoformat()}

    def item(self, params: FetchParams, item: dict[str, Any], ctx: TaskContext) -> dict[str, Any]:
        source = params.http_source()
        records = parse_records(source, fetch(source, window_url(source, item)))
        written = 0
        for chunk in _chunks(records, UPSERT_CHUNK):
            written += ctx.datasets.upsert(params.dataset_name, chunk, key=list(source.key))
        ctx.log.info(
            "backfill.window_fetched", unit=item["unit"], start=item["start"], rows=len(records)
        )
        return {**item, "rows": len(records), "written": written}

    def finalize(self, params: FetchParams, summary: FanoutSummary) -> dict[str, Any]:
        """The job's result: rows per unit and window from the items' results, and the failed
        windows with their errors."""
        failed = [
            {**failure.item, "error": (failure.error or {}).get("message", "")}
            for failure in summary.failures()
        ]
        return {"dataset": params.dataset_name, **summarise(summary.results(), failed)}


def window_url(source: HttpSource, item: Mapping[str, Any]) -> str:
    return source.url.format(
        unit=quote(str(item["unit"]), safe=""), start=item["start"], end=item["end"]
    )


def _chunks(records: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk
