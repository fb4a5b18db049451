"""Observing every SQLAlchemy engine of the process from the Engine class's events.

Engines are created by the process's resources; listening on the class covers all of them,
including those made before tracing was set up in a forked worker child.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from sqlalchemy import Engine, event

from conveyor_core.observability.tracer import tracer

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


def start_statement_span(database: str | None, statement: str) -> trace.Span | None:
    """A client span for one statement below the current span; ``None`` outside traced work
    (a statement outside any traced work, a heartbeat say, would be a lone root trace)."""
    if not trace.get_current_span().is_recording():
        return None
    operation = statement.lstrip().split(None, 1)[0].upper()
    return tracer().start_span(
        f"{operation} {database}",
        kind=trace.SpanKind.CLIENT,
        attributes={
            "db.system": "postgresql",
            "db.name": str(database),
            "db.operation": operation,
            "db.statement": statement[:STATEMENT_ATTRIBUTE_LIMIT],
        },
    )


@contextmanager
def statement_span(database: str | None, statement: str) -> Iterator[None]:
    """The span of a statement run outside SQLAlchemy's events (straight on the driver)."""
    span = start_statement_span(database, statement)
    if span is None:
        yield
        return
    try:
        yield
    except Exception as error:
        span.set_status(trace.StatusCode.ERROR, type(error).__name__)
        raise
    finally:
        span.end()


def _before(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
    span = start_statement_span(conn.engine.url.database, statement)
    if span is not None and ctx is not None:
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
