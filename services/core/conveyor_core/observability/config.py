"""Settings of the metrics and traces, read from the environment like every other setting.

Kept beside the code that reads them; traces follow the standard ``OTEL_*`` variables instead.
"""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_METRICS_PORT = 9808  # celery-exporter's port, so existing scrape configs fit


class ObservabilitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONVEYOR_", extra="ignore")

    metrics_enabled: bool = True
    metrics_port: int = DEFAULT_METRICS_PORT
    # Prometheus scrapes the pod's address, so the worker's server listens on every interface.
    metrics_host: str = "0.0.0.0"  # noqa: S104
    # One hostname label value per pool instead of one per pod: bounded cardinality on Kubernetes.
    metrics_generic_hostname: bool = False
    # Scrapes within this window reuse the last database and broker figures.
    metrics_cache_seconds: float = 5.0
    tracing_enabled: bool = True


@lru_cache
def get_observability_settings() -> ObservabilitySettings:
    return ObservabilitySettings()


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
