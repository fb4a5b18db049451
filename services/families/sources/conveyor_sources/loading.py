"""Reading ``CONVEYOR_SOURCES_FILE``: YAML with a top-level ``sources:`` list.

Each entry is validated on its own, so an error names the file, the entry's position and name,
and the field at fault. The file is read again when it changes (a ConfigMap update), not on
every call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from conveyor_sources.models import FeedSource, HttpSource, Source

SOURCES_FILE_ENV = "CONVEYOR_SOURCES_FILE"
_ENTRY: TypeAdapter[HttpSource | FeedSource] = TypeAdapter(Source)


class SourcesFileError(Exception):
    """The sources file cannot be used; the message names the file and the bad entry.

    Deliberately not a ValueError: inside a params validator it must surface as the
    deployment's error, not as the client's bad input.
    """


@dataclass(frozen=True, slots=True)
class Sources:
    """The configured sources, by name, in the file's order."""

    by_name: dict[str, HttpSource | FeedSource]
    path: Path | None = None

    def __iter__(self) -> Iterator[HttpSource | FeedSource]:
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)

    def get(self, name: str) -> HttpSource | FeedSource | None:
        return self.by_name.get(name)


_cache: dict[Path, tuple[tuple[int, int], Sources]] = {}


def load_sources(path: str | os.PathLike[str] | None = None) -> Sources:
    """The sources of ``path``, or of ``$CONVEYOR_SOURCES_FILE``; none when neither is set."""
    if path is None:
        path = os.environ.get(SOURCES_FILE_ENV) or None
    if path is None:
        return Sources({})
    file = Path(path)
    try:
        stat = file.stat()
    except OSError as error:
        raise SourcesFileError(f"{file}: cannot read the sources file: {error.strerror}") from None
    stamp = (stat.st_mtime_ns, stat.st_size)
    cached = _cache.get(file)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    sources = parse_sources(_read(file), file)
    _cache[file] = (stamp, sources)
    return sources


def _read(file: Path) -> Any:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise SourcesFileError(f"{file}: cannot read the sources file: {error.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise SourcesFileError(f"{file}: not valid YAML: {error}") from None


def parse_sources(document: Any, file: Path | None = None) -> Sources:
    """Validate a parsed YAML document (``{"sources": [...]}``)."""
    where = str(file) if file is not None else "sources"
    if document is None:
        return Sources({}, file)
    if not isinstance(document, dict) or set(document) != {"sources"}:
        raise SourcesFileError(f"{where}: the file holds one top-level key, 'sources:', a list")
    entries = document["sources"] or []
    if not isinstance(entries, list):
        raise SourcesFileError(f"{where}: 'sources:' must be a list of sources")
    by_name: dict[str, HttpSource | FeedSource] = {}
    for index, entry in enumerate(entries):
        source = _entry(entry, f"{where}: sources[{index}]")
        if source.name in by_name:
            raise SourcesFileError(
                f"{where}: sources[{index}]: the name {source.name!r} is used twice"
            )
        by_name[source.name] = source
    return Sources(by_name, file)


def _entry(entry: Any, where: str) -> HttpSource | FeedSource:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        where = f"{where} ({entry['name']!r})"
    try:
        return _ENTRY.validate_python(entry)
    except ValidationError as error:
        raise SourcesFileError(f"{where}: {_describe(error)}") from None


def _describe(error: ValidationError) -> str:
    parts = []
    for detail in error.errors(include_url=False, include_input=False):
        # the discriminator's value (http, ical, rss) is not a field the author wrote
        loc = [str(p) for p in detail["loc"] if p not in ("http", "ical", "rss")]
        field = ".".join(loc)
        message = detail["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)
