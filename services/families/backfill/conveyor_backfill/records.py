"""Reading the records out of an HTTP source's answer. An answer that breaks the source's
declared shape is not worth retrying: the upstream changed, or the source is misconfigured."""

from __future__ import annotations

import json
from typing import Any

from conveyor import NonRetryable
from conveyor_sources import HttpSource

SCALARS = (str, int, float, bool)


def parse_records(source: HttpSource, body: bytes) -> list[dict[str, Any]]:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise NonRetryable(f"source {source.name!r}: the answer is not JSON ({error})") from None
    records = _records(source, document)
    for index, record in enumerate(records):
        _check_record(source, index, record)
    return records


def _records(source: HttpSource, document: Any) -> list[Any]:
    if source.records is None:
        found = document
        where = "the answer"
    else:
        found = document.get(source.records) if isinstance(document, dict) else None
        where = f"the answer's {source.records!r}"
    if not isinstance(found, list):
        raise NonRetryable(f"source {source.name!r}: {where} is not a list of records")
    return found


def _check_record(source: HttpSource, index: int, record: Any) -> None:
    if not isinstance(record, dict):
        raise NonRetryable(f"source {source.name!r}: record {index} is not a JSON object")
    missing = [f for f in source.key if not isinstance(record.get(f), SCALARS)]
    if missing:
        raise NonRetryable(
            f"source {source.name!r}: record {index} has no usable value for its key "
            f"field(s) {missing}"
        )
