"""A sources file written per test and named by CONVEYOR_SOURCES_FILE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

# what the ``sources_file`` fixture gives: write these sources, answer the file's path
SourcesFile = Callable[[list[dict[str, Any]]], Path]


def write_sources(path: Path, sources: list[dict[str, Any]]) -> Path:
    path.write_text(yaml.safe_dump({"sources": sources}))
    return path
