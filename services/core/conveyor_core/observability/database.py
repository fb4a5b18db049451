"""Observing every SQLAlchemy engine of the process from the Engine class's events.

Engines are created by the process's resources; listening on the class covers all of them,
including those made before tracing was set up in a forked worker child.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from sqlalchemy import Engine, event

from conveyor_core.observability.tracing import tracer

STATEMENT_ATTRIBUTE_LIMIT = 2000  # statements carry no values; long ones are cut, not dropped
_traced = False


def trace_statements() -> None:
    """A client span per statement, below whatever span is current (the request, the task)."""
    global _traced
    if _traced:
        return
    event.listen(Engine, "before_cursor_execute", _before)
    event.listen(Engine, "after_cursor_execute", _after)
    event.listen(Engine, "handle_error", _error)
    _traced = True


def _before(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
    if not trace.get_current_span().is_recording():
        return  # a statement outside any traced work (a heartbeat) would be a lone root trace
    operation = statement.lstrip().split(" ", 1)[0].upper()
    span = tracer().start_span(
        f"{operation} {conn.engine.url.database}",
        kind=trace.SpanKind.CLIENT,
        attributes={
            "db.system": "postgresql",
            "db.name": str(conn.engine.url.database),
            "db.operation": operation,
            "db.statement": statement[:STATEMENT_ATTRIBUTE_LIMIT],
        },
    )
    if ctx is not None:
        ctx._conveyor_span = span


def _after(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
    span = getattr(ctx, "_conveyor_span", None)
    if span is not None:
        span.end()
        ctx._conveyor_span = None


def _error(exception_context: Any) -> None:
    span = getattr(exception_context.execution_context, "_conveyor_span", None)
    if span is not None:
        span.set_status(trace.StatusCode.ERROR, type(exception_context.original_exception).__name__)
        span.end()
