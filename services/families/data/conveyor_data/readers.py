"""Reading a CSV or XLSX artifact as a header and numbered rows, streamed.

CSV through the standard library's ``csv`` module over an incremental decoder (a leading byte
order mark is dropped); XLSX through openpyxl in read-only mode, which parses one row at a
time instead of loading the workbook. Anything that stops the file from being read is a
:class:`MalformedFile` naming the line (or the workbook's complaint).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conveyor_data.cells import is_empty
from conveyor_data.errors import MalformedFile
from conveyor_data.streams import buffered, looks_like_zip, seekable

BOM = "\ufeff"
Row = tuple[int, list[Any]]  # (line in the file, cells)


@dataclass(slots=True)
class Table:
    header: list[Any]
    rows: Iterator[Row]  # blank rows left out


def detect_format(stream: Any, declared: str | None) -> tuple[str, Any]:
    """The declared format, else the name's extension, else what the first bytes say; and the
    stream to read from then (a peek needs a buffer)."""
    if declared:
        return declared, stream
    name = str(getattr(stream, "name", "") or "").lower()
    for extension, found in ((".csv", "csv"), (".xlsx", "xlsx"), (".xlsm", "xlsx")):
        if name.endswith(extension):
            return found, stream
    reader = buffered(stream)
    return ("xlsx" if looks_like_zip(reader) else "csv"), reader


@contextlib.contextmanager
def open_table(
    stream: Any, *, format: str, encoding: str, delimiter: str, sheet: str | None
) -> Iterator[Table]:
    if format == "xlsx":
        with _xlsx_table(stream, sheet) as table:
            yield table
    else:
        yield _csv_table(stream, encoding, delimiter)


def _codec(encoding: str) -> str:
    # utf-8-sig reads UTF-8 and drops a byte order mark if there is one
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding


def _csv_table(stream: Any, encoding: str, delimiter: str) -> Table:
    reader = csv.reader(_text_lines(buffered(stream), encoding), delimiter=delimiter)
    with _csv_errors(reader):
        header = next(reader, None)
    if header is None:
        raise MalformedFile("the file is empty: it has no header row")
    if header and header[0].startswith(BOM):
        header[0] = header[0][len(BOM) :]
    return Table(header, _csv_rows(reader))


def _text_lines(binary: io.BufferedReader, encoding: str) -> Iterator[str]:
    """The file's lines, decoded one at a time, so a decoding error names its line."""
    codec = _codec(encoding)
    if "\n".encode(encoding) != b"\n":  # UTF-16 and the like: a line break is not one byte
        yield from io.TextIOWrapper(binary, encoding=codec, errors="strict", newline="")
        return
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    line = 0
    try:
        for line, raw in enumerate(binary, start=1):  # noqa: B007 (the except needs the line)
            yield decoder.decode(raw)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise MalformedFile(
            f"the file is not valid {encoding} text (line {line or 1}: {error.reason}); "
            "set 'encoding' to the file's encoding"
        ) from None


def _csv_rows(reader: Any) -> Iterator[Row]:
    with _csv_errors(reader):
        last = reader.line_num
        for cells in reader:
            line, last = last + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield line, cells


@contextlib.contextmanager
def _csv_errors(reader: Any) -> Iterator[None]:
    try:
        yield
    except UnicodeDecodeError as error:  # the text wrapper's, for multi-byte line breaks
        raise MalformedFile(
            f"the file is not valid text in its encoding ({error.reason}); "
            "set 'encoding' to the file's encoding"
        ) from None
    except csv.Error as error:
        raise MalformedFile(f"not a readable CSV file (line {reader.line_num}): {error}") from None


@contextlib.contextmanager
def _xlsx_table(stream: Any, sheet: str | None) -> Iterator[Table]:
    import openpyxl  # the api and beat never read workbooks: only a worker pays for the import

    with seekable(stream) as file:
        try:
            workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        except Exception as error:  # whatever a broken archive makes the parser raise
            raise MalformedFile(f"not a readable XLSX workbook: {_reason(error)}") from None
        try:
            yield _sheet_table(workbook, sheet)
        finally:
            workbook.close()


def _sheet_table(workbook: Any, sheet: str | None) -> Table:
    if sheet is not None and sheet not in workbook.sheetnames:
        raise MalformedFile(f"the workbook has no sheet {sheet!r} (sheets: {workbook.sheetnames})")
    worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
    worksheet.reset_dimensions()  # some writers record wrong dimensions; read what is there
    rows = _xlsx_rows(worksheet.iter_rows(values_only=True))
    first = next(rows, None)
    if first is None or first[0] != 1:
        raise MalformedFile(f"the sheet {worksheet.title!r} has no header in its first row")
    return Table(first[1], rows)


def _xlsx_rows(values: Iterator[tuple[Any, ...]]) -> Iterator[Row]:
    try:
        for line, cells in enumerate(values, start=1):
            if not all(is_empty(cell) for cell in cells):
                yield line, list(cells)
    except MalformedFile:
        raise
    except Exception as error:  # a sheet's XML broken past the first rows
        raise MalformedFile(f"not a readable XLSX workbook: {_reason(error)}") from None


def _reason(error: Exception) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
