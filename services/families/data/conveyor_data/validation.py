"""Checking rows against the declared columns, and the report a validation produces.

Pure: a reader hands over the header and then ``(line, cells)`` pairs; nothing here knows
whether they came from a CSV or an XLSX file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from conveyor_data.cells import CellError, JsonValue, convert, is_empty
from conveyor_data.contracts import Column
from conveyor_data.errors import MalformedFile

MAX_ERRORS = 1000  # reported in full; the counts stay exact past it
MAX_VALUE_CHARS = 200  # of a bad value, quoted in its error


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class _Bound:
    field: str
    header: str
    column: Column
    position: int | None  # None: an optional column the file does not have


class RowChecker:
    """The columns bound to a file's header: turns a row's cells into a record or errors."""

    def __init__(
        self, columns: Mapping[str, Column], header: Sequence[Any], key: Sequence[str] = ()
    ) -> None:
        positions = _positions(header, columns)
        needed = {name for name, column in columns.items() if column.required} | set(key)
        missing = [
            columns[name].source or name
            for name in columns
            if name in needed and (columns[name].source or name) not in positions
        ]
        if missing:
            found = ", ".join(repr(h) for h in positions) or "no header"
            raise MalformedFile(
                f"the header lacks the required column(s) {missing} (found: {found})"
            )
        self._bound = [
            _Bound(name, column.source or name, column, positions.get(column.source or name))
            for name, column in columns.items()
        ]
        self._width = len(header)
        self._key = frozenset(key)

    def check(
        self, line: int, cells: Sequence[Any]
    ) -> tuple[dict[str, JsonValue] | None, list[RowError]]:
        """The record of a row, or ``None`` and every error the row has."""
        if len(cells) > self._width and any(not is_empty(c) for c in cells[self._width :]):
            return None, [
                RowError(line, "", "", f"{len(cells)} fields, but the header has {self._width}")
            ]
        record: dict[str, JsonValue] = {}
        errors: list[RowError] = []
        for bound in self._bound:
            value, error = self._cell(bound, line, cells)
            if error is not None:
                errors.append(error)
            record[bound.field] = value
        return (None, errors) if errors else (record, [])

    def _cell(
        self, bound: _Bound, line: int, cells: Sequence[Any]
    ) -> tuple[JsonValue, RowError | None]:
        position = bound.position
        raw = cells[position] if position is not None and position < len(cells) else None
        try:
            value = convert(bound.column.type, raw)
        except CellError as error:
            return None, RowError(line, bound.header, _quote(raw), str(error))
        if value is None and (bound.column.required or bound.field in self._key):
            why = "a key field" if bound.field in self._key else "required"
            return None, RowError(line, bound.header, "", f"empty, but {why}")
        return value, None


def _positions(header: Sequence[Any], columns: Mapping[str, Column]) -> dict[str, int]:
    """Where each header name is; a name the columns read must appear once."""
    positions: dict[str, int] = {}
    repeated = set()
    for index, cell in enumerate(header):
        name = "" if cell is None else str(cell).strip()
        if name in positions:
            repeated.add(name)
        elif name:
            positions[name] = index
    ambiguous = sorted(repeated & {column.source or name for name, column in columns.items()})
    if ambiguous:
        raise MalformedFile(f"the header repeats the column(s) {ambiguous}")
    return positions


def _quote(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "..."


@dataclass(slots=True)
class Report:
    """``{"rows", "valid", "invalid", "errors"}``: the first :data:`MAX_ERRORS` errors, exact
    counts."""

    rows: int = 0
    valid: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)

    def count(self, errors: Sequence[RowError]) -> None:
        self.rows += 1
        if not errors:
            self.valid += 1
            return
        self.invalid += 1
        room = MAX_ERRORS - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "valid": self.valid,
            "invalid": self.invalid,
            "errors": [error.as_dict() for error in self.errors],
        }
