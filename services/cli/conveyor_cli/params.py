"""Job params from the command line: ``-p key=value`` pairs over an optional JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conveyor_cli.errors import fail


def parse_pair(pair: str) -> tuple[str, Any]:
    key, sep, raw = pair.partition("=")
    if not sep or not key:
        fail(f"--param takes key=value, got {pair!r}")
    try:
        return key, json.loads(raw)  # numbers, booleans, lists stay typed
    except json.JSONDecodeError:
        return key, raw


def collect(pairs: list[str], params_file: Path | None) -> dict[str, Any]:
    """The file's object (if any), then each pair over it."""
    params: Any = {}
    if params_file is not None:
        try:
            params = json.loads(params_file.read_text())
        except (OSError, json.JSONDecodeError) as error:
            fail(f"cannot read {params_file}: {error}")
        if not isinstance(params, dict):
            fail(f"{params_file} must hold a JSON object")
    return {**params, **dict(parse_pair(p) for p in pairs)}
