"""Turning one cell into a typed JSON value. Pure functions: a CSV cell is a string, an XLSX
cell may already be a number, a boolean or a datetime.

Dates and datetimes become ISO 8601 strings (JSON has no date type); an empty cell is ``None``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from conveyor_data.contracts import ColumnType

JsonValue = str | int | float | bool | None
INTEGER = re.compile(r"^[+-]?\d+$")
DECIMAL = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
TRUE = frozenset({"true", "t", "yes", "y", "1"})
FALSE = frozenset({"false", "f", "no", "n", "0"})


class CellError(ValueError):
    """The cell does not hold a value of its column's type; the message says why."""


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def convert(kind: ColumnType, value: Any) -> JsonValue:
    """``value`` as ``kind``, or :class:`CellError`; empty cells are ``None``."""
    if is_empty(value):
        return None
    return _CONVERTERS[kind](value)


def _to_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an XLSX number typed into a text column: 2134, not 2134.0
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("not an integer (a boolean)")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError("not an integer")
    if isinstance(value, str) and INTEGER.match(value.strip()):
        return int(value.strip())
    raise CellError("not an integer")


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise CellError("not a number (a boolean)")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and DECIMAL.match(value.strip()):
        number = float(value.strip())
    else:
        raise CellError("not a number")
    if not math.isfinite(number):
        raise CellError("not a finite number")
    return number


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CellError("not a boolean (true/false, yes/no, 1/0)")


def _to_date(value: Any) -> str:
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise CellError("a date and time, not a date")
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise CellError("not a date (YYYY-MM-DD)")


def _to_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime.combine(value, time(0)).isoformat()
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise CellError("not a date and time (ISO 8601, like 2024-01-31T12:00:00+00:00)")


_CONVERTERS: dict[ColumnType, Callable[[Any], JsonValue]] = {
    ColumnType.STR: _to_str,
    ColumnType.INT: _to_int,
    ColumnType.FLOAT: _to_float,
    ColumnType.BOOL: _to_bool,
    ColumnType.DATE: _to_date,
    ColumnType.DATETIME: _to_datetime,
}
