"""Conveyor's tracer, for every module that starts spans."""

from __future__ import annotations

from functools import cache

from opentelemetry import trace

TRACER_NAME = "conveyor"


@cache
def tracer() -> trace.Tracer:
    """Conveyor's tracer, made once: before a provider is set it is a proxy that starts
    recording when one is."""
    return trace.get_tracer(TRACER_NAME)
