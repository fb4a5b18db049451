"""Writing records as CSV, JSON Lines or XLSX, as a stream of byte chunks (bounded memory).

The fields are the ones asked for, else the first record's; a field a record lacks is left
empty, a field it has beyond them is not written (JSON Lines without ``fields`` writes each
record whole). Nested values are written as JSON text in CSV and XLSX.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain
from typing import Any

FLUSH_BYTES = 64 * 1024
CONTENT_TYPES = {
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_SHEET = "records"


def export_chunks(
    records: Iterable[Mapping[str, Any]], format: str, fields: list[str] | None
) -> Iterator[bytes]:
    iterator = iter(records)
    first = next(iterator, None)
    if first is None:
        return _empty(format, fields)
    everything = chain([first], iterator)
    if format == "jsonl":
        return _jsonl(everything, fields)
    columns = fields or list(first)
    return _csv(everything, columns) if format == "csv" else _xlsx(everything, columns)


def _empty(format: str, fields: list[str] | None) -> Iterator[bytes]:
    if format == "jsonl":
        return iter(())
    if format == "csv":
        return _csv(iter(()), fields or [])
    return _xlsx(iter(()), fields or [])


def _jsonl(records: Iterable[Mapping[str, Any]], fields: list[str] | None) -> Iterator[bytes]:
    buffer = bytearray()
    for record in records:
        shaped = record if fields is None else {f: record.get(f) for f in fields}
        buffer += json.dumps(shaped, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        if len(buffer) >= FLUSH_BYTES:
            yield bytes(buffer)
            buffer.clear()
    if buffer:
        yield bytes(buffer)


def _csv(records: Iterable[Mapping[str, Any]], columns: list[str]) -> Iterator[bytes]:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_csv_cell(record.get(column)) for column in columns])
        if text.tell() >= FLUSH_BYTES:
            yield text.getvalue().encode()
            text.seek(0)
            text.truncate()
    if text.tell():
        yield text.getvalue().encode()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _xlsx(records: Iterable[Mapping[str, Any]], columns: list[str]) -> Iterator[bytes]:
    from openpyxl import Workbook  # a worker's import only

    # write-only mode streams the rows to a temporary file; the archive is then read back
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(XLSX_SHEET)
    sheet.append([_xlsx_cell(sheet, column) for column in columns])
    for record in records:
        sheet.append([_xlsx_cell(sheet, record.get(column)) for column in columns])
    with tempfile.TemporaryFile() as archive:
        workbook.save(archive)
        archive.seek(0)
        while chunk := archive.read(FLUSH_BYTES):
            yield chunk


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, str):
        return value
    # text stays text: a value starting with "=" is data, never a formula Excel would run
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell
