"""data.import_file and data.export: chunks of 1,000 rows, on_error fail|skip, resuming after a
crash, malformed files importing nothing, and the export round trip in every format.

The task bodies run with the in-memory TaskContext of tests/unit/families/memory.py, allowed
only in these unit tests of pure task logic; the end-to-end tests go through the api and
real workers.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from openpyxl import load_workbook
from pydantic import ValidationError

from conveyor import NonRetryable
from conveyor_data.contracts import ExportParams, ImportParams
from conveyor_data.errors import MalformedFile
from conveyor_data.importing import import_rows
from conveyor_data.tasks import export, import_file
from conveyor_data.validation import RowChecker
from tests.unit.families.files import csv_bytes, xlsx_bytes
from tests.unit.families.memory import Crash, MemoryContext

COLUMNS = {
    "sku": {"required": True},
    "qty": {"type": "int", "required": True},
    "price": {"type": "float"},
    "active": {"type": "bool"},
    "since": {"type": "date"},
    "seen": {"type": "datetime"},
}
HEADER = "sku,qty,price,active,since,seen"


def stock(count: int, bad_every: int | None = None) -> bytes:
    lines = [HEADER]
    for i in range(1, count + 1):
        qty = "lots" if bad_every and i % bad_every == 0 else str(i)
        lines.append(f"SKU-{i:05d},{qty},{i / 4},{i % 2 == 0},2024-02-{i % 28 + 1:02d},")
    return csv_bytes(lines)


def run_import(ctx: MemoryContext, data: bytes, name: str = "stock.csv", **overrides: Any) -> Any:
    artifact = ctx.artifacts.add(name, data)
    params = ImportParams.model_validate(
        {
            "artifact_id": str(artifact),
            "columns": COLUMNS,
            "dataset": "stock",
            "key": ["sku"],
            **overrides,
        }
    )
    return import_file(params, ctx)


def test_an_import_commits_chunks_of_1000_rows_and_reports_progress(ctx: MemoryContext) -> None:
    result = run_import(ctx, stock(2_500))
    assert ctx.datasets.upserts == [1000, 1000, 500]
    assert (result["rows"], result["valid"], result["invalid"]) == (2_500, 2_500, 0)
    assert (result["imported"], result["written"], result["dataset"]) == (2_500, 2_500, "stock")
    assert ctx.reported[-3:] == [
        (1000, 2500, "imported 1000 of 2500 rows"),
        (2000, 2500, "imported 2000 of 2500 rows"),
        (2500, 2500, "imported 2500 of 2500 rows"),
    ]
    first = ctx.datasets.rows("stock")[0]
    assert first == {
        "sku": "SKU-00001",
        "qty": 1,
        "price": 0.25,
        "active": False,
        "since": "2024-02-02",
        "seen": None,
    }


def test_with_on_error_fail_one_invalid_row_imports_nothing(ctx: MemoryContext) -> None:
    with pytest.raises(NonRetryable, match="3 of 3000 rows are invalid, so nothing was imported"):
        run_import(ctx, stock(3_000, bad_every=1000))
    assert ctx.datasets.upserts == []
    [report] = [
        data for name, data, _ in ctx.artifacts.files.values() if name == "stock-errors.json"
    ]
    assert json.loads(report)["errors"][0] == {
        "line": 1001,
        "column": "qty",
        "value": "lots",
        "message": "not an integer",
    }


def test_with_on_error_skip_the_valid_rows_are_imported_and_the_rest_reported(
    ctx: MemoryContext,
) -> None:
    result = run_import(ctx, stock(3_000, bad_every=1000), on_error="skip")
    assert (result["rows"], result["valid"], result["invalid"], result["imported"]) == (
        3_000,
        2_997,
        3,
        2_997,
    )
    assert [e["line"] for e in result["errors"]] == [1001, 2001, 3001]
    assert len(ctx.datasets.rows("stock")) == 2_997


def test_a_retry_after_a_crash_ends_with_each_row_once(ctx: MemoryContext) -> None:
    ctx.datasets.crash_after_upserts = 2
    with pytest.raises(Crash):
        run_import(ctx, stock(3_500))
    assert len(ctx.datasets.rows("stock")) == 2_000  # the two committed chunks
    ctx.datasets.crash_after_upserts = None
    result = run_import(ctx, stock(3_500))
    assert len(ctx.datasets.rows("stock")) == 3_500
    assert result["written"] == 1_500  # the committed chunks were left as they were


def test_an_import_resumes_after_the_rows_already_committed(ctx: MemoryContext) -> None:
    from conveyor_data.readers import open_table

    written: list[int] = []

    def write(records: list[dict[str, Any]]) -> int:
        written.append(len(records))
        return len(records)

    with open_table(
        io.BytesIO(stock(3_500)), format="csv", encoding="utf-8", delimiter=",", sheet=None
    ) as table:
        checker = RowChecker(ImportParams.model_validate(_params()).columns, table.header)
        outcome = import_rows(checker, table.rows, write, total=3_500, resume_after=2_000)
    assert written == [1000, 500]
    assert (outcome.rows, outcome.imported) == (3_500, 1_500)


def _params() -> dict[str, Any]:
    return {"artifact_id": str(uuid.uuid4()), "columns": COLUMNS, "dataset": "s", "key": ["sku"]}


def test_a_file_malformed_on_its_last_line_imports_nothing(ctx: MemoryContext) -> None:
    data = stock(2_500) + b"SKU-\xff\xfe,1,1,true,2024-01-01,\r\n"
    with pytest.raises(MalformedFile, match="line 2502"):
        run_import(ctx, data, on_error="skip")
    assert ctx.datasets.upserts == []


def test_a_key_repeated_in_the_file_keeps_its_last_row(ctx: MemoryContext) -> None:
    data = csv_bytes([HEADER, "A,1,,,,", "B,2,,,,", "A,3,,,,"])
    result = run_import(ctx, data)
    assert result["imported"] == 3
    assert {r["sku"]: r["qty"] for r in ctx.datasets.rows("stock")} == {"A": 3, "B": 2}


def test_an_empty_key_field_makes_its_row_invalid(ctx: MemoryContext) -> None:
    columns = {**COLUMNS, "sku": {"required": False}}
    result = run_import(
        ctx, csv_bytes([HEADER, ",1,,,,", "B,2,,,,"]), columns=columns, on_error="skip"
    )
    assert result["errors"][0]["message"] == "empty, but a key field"
    assert result["imported"] == 1


def test_an_xlsx_imports_like_a_csv(ctx: MemoryContext) -> None:
    rows: list[list[Any]] = [["sku", "qty", "price"], ["A", 1, 1.5], ["B", 2.0, 3]]
    result = run_import(ctx, xlsx_bytes(rows), name="stock.xlsx")
    assert result["imported"] == 2
    assert ctx.datasets.rows("stock")[1] == {
        "sku": "B",
        "qty": 2,
        "price": 3.0,
        "active": None,
        "since": None,
        "seen": None,
    }


def test_import_params_need_a_dataset_and_a_key() -> None:
    with pytest.raises(ValidationError) as refused:
        ImportParams.model_validate({"artifact_id": str(uuid.uuid4()), "columns": COLUMNS})
    assert {error["loc"][0] for error in refused.value.errors()} == {"dataset", "key"}


def test_a_cancelled_import_stops_between_chunks(ctx: MemoryContext) -> None:
    ctx.stop = True
    assert run_import(ctx, stock(1_500)) is None
    assert ctx.datasets.upserts == [1000]


@pytest.mark.parametrize("format", ["csv", "jsonl", "xlsx"])
def test_an_export_round_trip_gives_back_the_same_records(ctx: MemoryContext, format: str) -> None:
    run_import(ctx, stock(1_200))
    result = export(ExportParams(dataset="stock", format=format), ctx)
    assert result["records"] == 1_200
    content = ctx.artifacts.content(result["artifact_id"])
    if format == "jsonl":
        again = [json.loads(line) for line in content.decode().splitlines()]
        assert again == ctx.datasets.rows("stock")
        return
    imported = run_import(ctx, content, name=f"export.{format}", dataset="stock-again")
    assert imported["invalid"] == 0
    assert ctx.datasets.rows("stock-again") == ctx.datasets.rows("stock")


def test_an_export_writes_the_fields_asked_for_in_their_order(ctx: MemoryContext) -> None:
    run_import(ctx, csv_bytes([HEADER, "A,1,2.5,true,,"]))
    result = export(ExportParams(dataset="stock", format="csv", fields=["qty", "sku", "none"]), ctx)
    assert ctx.artifacts.content(result["artifact_id"]) == b"qty,sku,none\r\n1,A,\r\n"
    [(name, _, content_type)] = [
        f for a, f in ctx.artifacts.files.items() if str(a) == result["artifact_id"]
    ]
    assert (name, content_type) == ("stock.csv", "text/csv")


def test_text_that_looks_like_a_formula_stays_text_in_xlsx(ctx: MemoryContext) -> None:
    ctx.datasets.upsert("notes", [{"id": 1, "text": '=HYPERLINK("x")'}], key=["id"])
    result = export(ExportParams(dataset="notes", format="xlsx"), ctx)
    sheet = load_workbook(io.BytesIO(ctx.artifacts.content(result["artifact_id"]))).active
    assert sheet is not None
    cell = sheet["B2"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")


def test_exporting_an_unknown_dataset_fails_terminally(ctx: MemoryContext) -> None:
    with pytest.raises(NonRetryable, match="dataset 'nowhere' not found"):
        export(ExportParams(dataset="nowhere", format="csv"), ctx)
    assert ctx.artifacts.files == {}


def test_a_header_without_a_key_column_fails_terminally(ctx: MemoryContext) -> None:
    columns = {**COLUMNS, "sku": {"required": False}}
    with pytest.raises(MalformedFile, match=r"lacks the required column\(s\) \['sku'\]"):
        run_import(ctx, csv_bytes(["qty", "1"]), columns=columns)
