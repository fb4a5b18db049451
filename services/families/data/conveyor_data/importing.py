"""Validating and importing a table's rows. Pure: the rows come from a reader, the records go
to a ``write`` callable (one call per chunk, which the worker commits as one transaction), and
progress to a ``progress`` callable.

An import reads the file twice: a validation pass first, so a file that turns out malformed
on its last line, or (with ``on_error: "fail"``) holds one invalid row, imports nothing; then
the import pass, which writes the valid rows in chunks. A retry after a crash repeats both; the
chunks committed before are written again unchanged (the dataset keeps one record per key and
leaves identical ones as they are), and ``resume_after`` lets a caller that knows how many rows
were committed skip them outright.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from conveyor_data.cells import JsonValue
from conveyor_data.readers import Row
from conveyor_data.validation import Report, RowChecker

CHUNK_ROWS = 1000  # rows per write, and so per transaction
Record = dict[str, JsonValue]
Write = Callable[[list[Record]], int]
Progress = Callable[[int, int], None]


def validate_rows(checker: RowChecker, rows: Iterable[Row]) -> Report:
    report = Report()
    for line, cells in rows:
        _, errors = checker.check(line, cells)
        report.count(errors)
    return report


@dataclass(frozen=True, slots=True)
class Imported:
    """How an import pass went: rows read, valid rows sent to the dataset, records it wrote."""

    rows: int
    imported: int
    written: int


def import_rows(
    checker: RowChecker,
    rows: Iterable[Row],
    write: Write,
    *,
    total: int,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
    resume_after: int = 0,
) -> Imported:
    """Write the valid records of ``rows`` in chunks of ``chunk_rows``, skipping the first
    ``resume_after`` rows (rows already committed by an earlier attempt)."""
    seen = imported = written = 0
    iterator = iter(rows)
    while chunk := list(islice(iterator, chunk_rows)):
        records = _records(checker, chunk, skip=max(resume_after - seen, 0))
        seen += len(chunk)
        if records:
            written += write(records)
            imported += len(records)
        if progress is not None:
            progress(seen, total)
    return Imported(rows=seen, imported=imported, written=written)


def _records(checker: RowChecker, chunk: list[Row], *, skip: int) -> list[Record]:
    records = []
    for line, cells in chunk[skip:]:
        record, _ = checker.check(line, cells)
        if record is not None:
            records.append(record)
    return records


def summary(report: Report, imported: Imported | None = None) -> dict[str, Any]:
    result: dict[str, Any] = report.as_dict()
    if imported is not None:
        result["imported"] = imported.imported
        result["written"] = imported.written
    return result


def describe_invalid(report: Report, limit: int = 3) -> str:
    """One sentence for a job's error: how many rows failed, and the first errors."""
    first = "; ".join(
        f"line {e.line}, column {e.column!r}: {e.message}" for e in report.errors[:limit]
    )
    return (
        f"{report.invalid} of {report.rows} rows are invalid, so nothing was imported "
        f"(on_error is 'fail'); first: {first}"
    )
