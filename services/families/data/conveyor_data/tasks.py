"""The bodies of ``data.validate_file``, ``data.import_file`` and ``data.export``: imported by
workers only. Thin: open the artifact, hand the rows to the pure functions, report."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from conveyor import NonRetryable, TaskContext, task
from conveyor_data.contracts import ExportParams, FileParams, ImportParams
from conveyor_data.datasets import read_records
from conveyor_data.exporting import CONTENT_TYPES, export_chunks
from conveyor_data.importing import (
    CHUNK_ROWS,
    Record,
    describe_invalid,
    import_rows,
    summary,
    validate_rows,
)
from conveyor_data.readers import Row, Table, detect_format, open_table
from conveyor_data.validation import RowChecker

VALIDATION_PROGRESS_ROWS = 10 * CHUNK_ROWS


class Stopped(Exception):
    """The job was cancelled (or this execution lost its row) while rows were being read."""


@task("data.validate_file")
def validate_file(params: FileParams, ctx: TaskContext) -> dict[str, Any] | None:
    try:
        with _table(params, ctx) as (checker, table):
            report = validate_rows(checker, _watched(table.rows, ctx))
    except Stopped:
        return None
    return report.as_dict()


@task("data.import_file")
def import_file(params: ImportParams, ctx: TaskContext) -> dict[str, Any] | None:
    try:
        with _table(params, ctx) as (checker, table):
            report = validate_rows(checker, _watched(table.rows, ctx))
        if report.invalid and params.on_error == "fail":
            _refuse(params, report.as_dict(), describe_invalid(report), ctx)

        def write(records: list[Record]) -> int:
            return ctx.datasets.upsert(params.dataset, records, key=list(params.key))

        def progress(done: int, total: int) -> None:
            if ctx.should_stop():
                raise Stopped
            ctx.progress(done, total, f"imported {done} of {total} rows")

        with _table(params, ctx) as (checker, table):
            imported = import_rows(checker, table.rows, write, total=report.rows, progress=progress)
    except Stopped:
        return None
    return {"dataset": params.dataset, **summary(report, imported)}


@task("data.export")
def export(params: ExportParams, ctx: TaskContext) -> dict[str, Any]:
    counted = _Counter()
    chunks = export_chunks(
        counted.through(read_records(ctx, params.dataset)), params.format, params.fields
    )
    artifact = ctx.artifacts.write(
        f"{params.dataset}.{params.format}", chunks, content_type=CONTENT_TYPES[params.format]
    )
    return {
        "artifact_id": str(artifact),
        "dataset": params.dataset,
        "format": params.format,
        "records": counted.count,
    }


@contextlib.contextmanager
def _table(params: FileParams, ctx: TaskContext) -> Iterator[tuple[RowChecker, Table]]:
    try:
        upload = ctx.artifacts.open(params.artifact_id)
    except LookupError:
        raise NonRetryable(f"artifact {params.artifact_id} not found") from None
    with upload:
        format, stream = detect_format(upload, params.format)
        with open_table(
            stream,
            format=format,
            encoding=params.encoding,
            delimiter=params.delimiter,
            sheet=params.sheet,
        ) as table:
            yield RowChecker(params.columns, table.header, params.key or ()), table


def _watched(rows: Iterable[Row], ctx: TaskContext) -> Iterator[Row]:
    for count, row in enumerate(rows, start=1):
        if count % VALIDATION_PROGRESS_ROWS == 0:
            if ctx.should_stop():
                raise Stopped
            ctx.progress(0, 1, f"validating: {count} rows read")
        yield row


def _refuse(params: ImportParams, report: dict[str, Any], message: str, ctx: TaskContext) -> None:
    """Fail the import, with the whole validation report kept as an artifact of the job."""
    artifact = ctx.artifacts.write(
        f"{params.dataset}-errors.json",
        json.dumps(report).encode(),
        content_type="application/json",
    )
    raise NonRetryable(f"{message} (the report is artifact {artifact})")


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    def through(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for record in records:
            self.count += 1
            yield record
