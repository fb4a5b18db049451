"""The families' unit tests: stand-in upstreams on real sockets, a sources file written per
test and named by CONVEYOR_SOURCES_FILE, and an in-memory task context (see memory.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conveyor_sources import SOURCES_FILE_ENV
from tests.unit.families.memory import MemoryContext
from tests.unit.families.sources import SourcesFile, write_sources
from tests.unit.families.upstream import Upstream


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    with Upstream() as server:
        yield server


@pytest.fixture
def sources_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SourcesFile:
    """Write ``sources:`` to a file and point CONVEYOR_SOURCES_FILE at it."""
    counter = iter(range(1_000_000))

    def write(sources: list[dict[str, Any]]) -> Path:
        path = write_sources(tmp_path / f"sources-{next(counter)}.yaml", sources)
        monkeypatch.setenv(SOURCES_FILE_ENV, str(path))
        return path

    return write


@pytest.fixture
def ctx() -> MemoryContext:
    return MemoryContext()
