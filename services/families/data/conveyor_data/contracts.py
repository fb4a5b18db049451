"""The contracts of ``data.validate_file``, ``data.import_file`` and ``data.export``: pydantic
and the SDK only, so the api and beat load them without openpyxl.

Everything that can be checked without the file is checked here, so a mistake is a 422 at
``POST /api/v1/jobs`` naming the field: the column types, the key naming declared columns, the
encoding being one Python knows, a one-character delimiter.
"""

from __future__ import annotations

import codecs
import uuid
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

import conveyor

QUEUE = "data"
MAX_COLUMNS = 500
DATASET_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$"


class ColumnType(StrEnum):
    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    DATETIME = "datetime"


class Column(BaseModel):
    """One field of the records: read from the header ``source`` (default: the field's name)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str | None = Field(default=None, min_length=1, max_length=200)
    type: ColumnType = ColumnType.STR
    required: bool = False


class FileParams(BaseModel):
    """Which artifact to read, how, and what its columns must hold."""

    model_config = ConfigDict(extra="forbid")
    artifact_id: uuid.UUID
    format: Literal["csv", "xlsx"] | None = Field(
        default=None, description="default: from the artifact's name, else from its content"
    )
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: str = Field(default="utf-8", description="a leading byte order mark is tolerated")
    sheet: str | None = Field(default=None, description="XLSX: default, the first sheet")
    columns: dict[str, Column] = Field(min_length=1, max_length=MAX_COLUMNS)
    dataset: str | None = Field(default=None, pattern=DATASET_NAME)
    key: list[str] | None = Field(default=None, min_length=1, max_length=16)
    on_error: Literal["fail", "skip"] = "fail"

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, encoding: str) -> str:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {encoding!r}") from None
        return encoding

    @field_validator("delimiter")
    @classmethod
    def _usable_delimiter(cls, delimiter: str) -> str:
        if delimiter in ('"', "\r", "\n"):
            raise ValueError("the delimiter cannot be a quote or a line break")
        return delimiter

    @field_validator("columns")
    @classmethod
    def _field_names(cls, columns: dict[str, Column]) -> dict[str, Column]:
        headers = [column.source or name for name, column in columns.items()]
        if any(not name.strip() for name in columns):
            raise ValueError("a column's field name is not blank")
        if len(set(headers)) != len(headers):
            raise ValueError("two columns read the same header")
        return columns

    @model_validator(mode="after")
    def _key_is_declared(self) -> FileParams:
        unknown = [field for field in self.key or [] if field not in self.columns]
        if unknown:
            raise ValueError(f"key fields {unknown} are not among the columns")
        if len(set(self.key or [])) != len(self.key or []):
            raise ValueError("key fields are listed once each")
        return self


class ImportParams(FileParams):
    """As :class:`FileParams`, with the dataset and its key required."""

    dataset: str = Field(pattern=DATASET_NAME)
    key: list[str] = Field(min_length=1, max_length=16)


class ExportParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: str = Field(pattern=DATASET_NAME)
    format: Literal["csv", "jsonl", "xlsx"]
    fields: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_COLUMNS,
        description="the fields, in order; default: the first record's",
    )


VALIDATE_FILE = conveyor.contract(
    "data.validate_file",
    params=FileParams,
    queue=QUEUE,
    description="Validates a CSV or XLSX artifact against typed columns; imports nothing.",
)
IMPORT_FILE = conveyor.contract(
    "data.import_file",
    params=ImportParams,
    queue=QUEUE,
    description="Imports a CSV or XLSX artifact into a dataset, in chunks of 1,000 rows.",
)
EXPORT = conveyor.contract(
    "data.export",
    params=ExportParams,
    queue=QUEUE,
    description="Exports a dataset to a CSV, JSON Lines or XLSX artifact on the job.",
)
