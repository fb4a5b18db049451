"""Whether traces have somewhere to go: the standard ``OTEL_*`` variables decide (Conveyor's own
switches live in ``conveyor_core.settings``)."""

from __future__ import annotations

import os


def otlp_endpoint_configured() -> bool:
    """Traces are exported only when the standard OTLP endpoint variables name a collector."""
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if os.environ.get("OTEL_TRACES_EXPORTER", "otlp").lower() == "none":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    )
