"""The sources as ``GET /api/v1/sources`` shows them: no header values, so no secrets."""

from __future__ import annotations

from typing import Any

from conveyor_sources.loading import Sources, load_sources


def public_sources(sources: Sources | None = None) -> list[dict[str, Any]]:
    """Every configured source with its name, type, url template, header *names* and, for
    HTTP sources, ``records`` and ``key``."""
    return [source.public() for source in (sources if sources is not None else load_sources())]
