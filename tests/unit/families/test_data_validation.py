"""data.validate_file on CSV and XLSX artifacts: typed columns, exact counts, the first 1,000
errors, and the files that cannot be read at all.

The task bodies run with the in-memory TaskContext of tests/unit/families/memory.py, allowed
only in these unit tests of pure task logic; the end-to-end tests go through the api and
real workers.
"""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from conveyor import NonRetryable
from conveyor_data.contracts import FileParams
from conveyor_data.errors import MalformedFile
from conveyor_data.tasks import validate_file
from tests.unit.families.files import csv_bytes, xlsx_bytes
from tests.unit.families.memory import MemoryContext

COLUMNS = {
    "id": {"type": "int", "required": True},
    "name": {"source": "Name", "required": True},
    "price": {"type": "float"},
    "active": {"type": "bool"},
    "since": {"type": "date"},
}
HEADER = "id,Name,price,active,since"


def validate(ctx: MemoryContext, name: str, data: bytes, **overrides: Any) -> dict[str, Any]:
    artifact = ctx.artifacts.add(name, data)
    params = FileParams.model_validate(
        {"artifact_id": str(artifact), "columns": COLUMNS, **overrides}
    )
    result = validate_file(params, ctx)
    assert result is not None
    return result


def ten_thousand_rows() -> list[str]:
    lines = [HEADER]
    for i in range(1, 10_001):
        price = "n/a" if i % 100 == 0 else f"{i}.25"
        name = "" if i % 250 == 0 else f"item {i}"
        lines.append(f"{i},{name},{price},{'yes' if i % 2 else 'no'},2024-01-{i % 28 + 1:02d}")
    return lines


def test_a_10000_row_csv_is_counted_exactly_with_each_error_located(ctx: MemoryContext) -> None:
    report = validate(ctx, "items.csv", csv_bytes(ten_thousand_rows()))
    # 100 rows with a bad price, 40 without a name, 20 of them both
    assert (report["rows"], report["valid"], report["invalid"]) == (10_000, 9_880, 120)
    assert len(report["errors"]) == 140
    assert report["errors"][0] == {
        "line": 101,
        "column": "price",
        "value": "n/a",
        "message": "not a number",
    }
    assert {"line": 251, "column": "Name", "value": "", "message": "empty, but required"} in report[
        "errors"
    ]
    assert ctx.datasets.upserts == []  # validation imports nothing


def test_past_1000_errors_the_counts_stay_exact(ctx: MemoryContext) -> None:
    lines = [HEADER, *(f"x{i},item,{i},yes,2024-01-01" for i in range(2_500))]
    report = validate(ctx, "bad.csv", csv_bytes(lines))
    assert (report["rows"], report["valid"], report["invalid"]) == (2_500, 0, 2_500)
    assert len(report["errors"]) == 1000
    assert report["errors"][-1]["line"] == 1001


def test_a_byte_order_mark_is_tolerated(ctx: MemoryContext) -> None:
    data = "\ufeff".encode() + csv_bytes([HEADER, "1,apple,1.5,true,2024-01-01"])
    assert validate(ctx, "bom.csv", data)["valid"] == 1


def test_bad_encoding_fails_terminally_naming_the_line(ctx: MemoryContext) -> None:
    lines = [HEADER, *(f"{i},item,1,yes,2024-01-01" for i in range(1, 5))]
    data = csv_bytes(lines) + "5,caf\u00e9,1,yes,2024-01-01\r\n".encode("latin-1")
    with pytest.raises(
        MalformedFile, match=r"not valid utf-8 text \(line 6: invalid continuation byte"
    ) as failed:
        validate(ctx, "latin.csv", data)
    assert isinstance(failed.value, NonRetryable)
    assert validate(ctx, "latin.csv", data, encoding="latin-1")["valid"] == 5


def test_a_header_missing_a_required_column_fails_terminally(ctx: MemoryContext) -> None:
    data = csv_bytes(["id,price", "1,2.5"])
    with pytest.raises(MalformedFile, match=r"lacks the required column\(s\) \['Name'\]"):
        validate(ctx, "short.csv", data)


def test_an_optional_column_may_be_absent(ctx: MemoryContext) -> None:
    data = csv_bytes(["id,Name", "1,apple"])
    assert validate(ctx, "few.csv", data)["valid"] == 1


def test_an_empty_file_fails_terminally(ctx: MemoryContext) -> None:
    with pytest.raises(MalformedFile, match="no header row"):
        validate(ctx, "empty.csv", b"")


def test_delimiter_quotes_and_multiline_fields(ctx: MemoryContext) -> None:
    lines = ["id;Name;price", '1;"two\nlines";1,5', "2;plain;x", "", "3;after;2"]
    report = validate(ctx, "semi.csv", csv_bytes(lines), delimiter=";")
    assert (report["rows"], report["invalid"]) == (3, 2)
    assert [e["line"] for e in report["errors"]] == [2, 4]  # the blank line is skipped, counted


def test_a_row_with_more_fields_than_the_header_is_invalid(ctx: MemoryContext) -> None:
    report = validate(ctx, "wide.csv", csv_bytes([HEADER, "1,a,1,yes,2024-01-01,extra"]))
    assert report["errors"][0]["message"] == "6 fields, but the header has 5"


def test_an_xlsx_sheet_is_validated_with_its_typed_cells(ctx: MemoryContext) -> None:
    rows: list[list[Any]] = [
        ["id", "Name", "price", "active", "since"],
        [1, "apple", 1.5, True, datetime(2024, 1, 1)],
        [2.0, "pear", "cheap", False, date(2024, 1, 2)],
        [None, None, None, None, None],
        [3, None, 2, "no", "2024-01-03"],
    ]
    report = validate(ctx, "items.xlsx", xlsx_bytes(rows))
    assert (report["rows"], report["valid"], report["invalid"]) == (3, 1, 2)
    assert [(e["line"], e["column"]) for e in report["errors"]] == [(3, "price"), (5, "Name")]


def test_the_format_comes_from_the_content_when_the_name_says_nothing(ctx: MemoryContext) -> None:
    ctx.artifacts.unnamed = True
    data = xlsx_bytes([["id", "Name"], [1, "apple"]])
    assert validate(ctx, "", data)["valid"] == 1
    assert validate(ctx, "", csv_bytes(["id,Name", "1,apple"]))["valid"] == 1


def test_a_named_sheet_is_read_and_an_unknown_one_refused(ctx: MemoryContext) -> None:
    data = xlsx_bytes([["id", "Name"], [1, "apple"]], sheet="Prices")
    assert validate(ctx, "book.xlsx", data, sheet="Prices")["valid"] == 1
    with pytest.raises(MalformedFile, match="no sheet 'Other'"):
        validate(ctx, "book.xlsx", data, sheet="Other")


def test_a_broken_xlsx_fails_terminally(ctx: MemoryContext) -> None:
    good = xlsx_bytes([["id", "Name"], [1, "apple"]])
    with pytest.raises(MalformedFile, match="not a readable XLSX workbook"):
        validate(ctx, "cut.xlsx", good[: len(good) // 2])
    with pytest.raises(MalformedFile, match="not a readable XLSX workbook"):
        validate(ctx, "text.xlsx", b"id,Name\n1,apple\n")


def test_an_xlsx_with_a_corrupt_sheet_fails_terminally(ctx: MemoryContext, tmp_path: Any) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes([["id", "Name"], [1, "apple"]]))
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(entry, content)
    with pytest.raises(MalformedFile, match="not a readable XLSX workbook"):
        validate(ctx, "broken.xlsx", broken.read_bytes())


def test_an_unknown_artifact_fails_terminally(ctx: MemoryContext) -> None:
    params = FileParams.model_validate(
        {"artifact_id": "00000000-0000-0000-0000-000000000001", "columns": COLUMNS}
    )
    with pytest.raises(NonRetryable, match="not found"):
        validate_file(params, ctx)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"encoding": "klingon"}, "unknown encoding"),
        ({"delimiter": ";;"}, "delimiter"),
        ({"delimiter": '"'}, "cannot be a quote"),
        ({"format": "ods"}, "format"),
        ({"key": ["sku"]}, "not among the columns"),
        ({"columns": {}}, "columns"),
        ({"columns": {"a": {"type": "decimal"}}}, "columns.a.type"),
        ({"columns": {"a": {"source": "X"}, "b": {"source": "X"}}}, "same header"),
    ],
)
def test_bad_params_are_refused_naming_the_field(overrides: dict[str, Any], message: str) -> None:
    values = {"artifact_id": "00000000-0000-0000-0000-000000000001", "columns": COLUMNS}
    with pytest.raises(ValidationError, match=message):
        FileParams.model_validate({**values, **overrides})


def test_a_utf16_file_with_its_byte_order_mark_is_read(ctx: MemoryContext) -> None:
    data = csv_bytes([HEADER, "1,caf\u00e9,1.5,true,2024-01-01"], encoding="utf-16")
    assert validate(ctx, "wide.csv", data, encoding="utf-16")["valid"] == 1


def test_a_repeated_header_is_refused_only_when_a_column_reads_it(ctx: MemoryContext) -> None:
    assert validate(ctx, "dup.csv", csv_bytes(["id,Name,note,note", "1,a,x,y"]))["valid"] == 1
    with pytest.raises(MalformedFile, match=r"repeats the column\(s\) \['Name'\]"):
        validate(ctx, "dup.csv", csv_bytes(["id,Name,Name", "1,a,b"]))
