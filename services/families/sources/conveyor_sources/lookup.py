"""Finding a source by name for a params model: an unknown name is the client's error."""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeVar

from conveyor_sources.loading import Sources, load_sources
from conveyor_sources.models import FeedSource, HttpSource

S = TypeVar("S", HttpSource, FeedSource)


class UnknownSource(ValueError):
    """A ValueError, so a pydantic validator raising it answers 422 with the field."""


def find_source(
    name: str, kind: type[S], types: Collection[str], sources: Sources | None = None
) -> S:
    """The configured source ``name`` of one of ``types``; :class:`UnknownSource` otherwise."""
    configured = sources if sources is not None else load_sources()
    candidates = sorted(s.name for s in configured if s.type in types)
    source = configured.get(name)
    if source is None or source.type not in types or not isinstance(source, kind):
        offered = ", ".join(candidates) if candidates else "none is configured"
        raise UnknownSource(
            f"unknown {'/'.join(sorted(types))} source {name!r} (configured: {offered})"
        )
    return source
