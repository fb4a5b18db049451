"""Typed cells: what each column type accepts from a CSV string and from an XLSX value."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from conveyor_data.cells import CellError, convert
from conveyor_data.contracts import ColumnType

T = ColumnType


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        (T.STR, " padded ", " padded "),
        (T.STR, 2134.0, "2134"),
        (T.STR, True, "true"),
        (T.INT, " -42 ", -42),
        (T.INT, 7.0, 7),
        (T.FLOAT, "1.5e3", 1500.0),
        (T.FLOAT, ".5", 0.5),
        (T.FLOAT, 3, 3.0),
        (T.BOOL, "Yes", True),
        (T.BOOL, "0", False),
        (T.BOOL, False, False),
        (T.DATE, "2024-02-29", "2024-02-29"),
        (T.DATE, datetime(2024, 3, 1), "2024-03-01"),
        (T.DATETIME, "2024-01-31T12:00:00Z", "2024-01-31T12:00:00+00:00"),
        (T.DATETIME, datetime(2024, 1, 31, 8, 30), "2024-01-31T08:30:00"),
        (T.DATETIME, date(2024, 1, 31), "2024-01-31T00:00:00"),
        (T.INT, "", None),
        (T.DATE, "   ", None),
        (T.FLOAT, None, None),
    ],
)
def test_values_each_type_accepts(kind: ColumnType, raw: Any, value: Any) -> None:
    assert convert(kind, raw) == value


@pytest.mark.parametrize(
    ("kind", "raw", "message"),
    [
        (T.INT, "4.2", "not an integer"),
        (T.INT, "1_000", "not an integer"),
        (T.INT, 4.2, "not an integer"),
        (T.INT, True, "a boolean"),
        (T.FLOAT, "nan", "not a number"),
        (T.FLOAT, "1e999", "not a finite number"),
        (T.FLOAT, "12,5", "not a number"),
        (T.BOOL, "maybe", "not a boolean"),
        (T.DATE, "31/01/2024", "not a date"),
        (T.DATE, datetime(2024, 1, 31, 9), "a date and time, not a date"),
        (T.DATETIME, "yesterday", "not a date and time"),
    ],
)
def test_values_each_type_refuses(kind: ColumnType, raw: Any, message: str) -> None:
    with pytest.raises(CellError, match=message):
        convert(kind, raw)
