"""OpenTelemetry traces: HTTP request -> task publish -> worker task -> database and Redis.

The trace context travels in the Celery message headers (W3C ``traceparent``). Export is OTLP
over HTTP, configured by the standard ``OTEL_*`` variables, and off unless an endpoint is set;
while off, every span below is a no-op.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from celery import signals
from opentelemetry import context, propagate, trace
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from conveyor_core.observability.config import otlp_endpoint_configured
from conveyor_core.observability.tracer import tracer
from conveyor_core.settings import get_settings

_provider: TracerProvider | None = None
_instrumented = False
_publishing: dict[str, trace.Span] = {}  # task id -> its publish span, between the two signals
_publishing_lock = threading.Lock()
_running = threading.local()  # the task span this thread runs under, and its context token


def tracing_enabled() -> bool:
    return get_settings().tracing_enabled and otlp_endpoint_configured()


def configure_tracing(service_name: str) -> TracerProvider | None:
    """Install an exporting tracer provider for this process, once; None while tracing is off."""
    global _provider
    if _provider is not None or not tracing_enabled():
        return _provider
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # OTEL_SERVICE_NAME, when set, names the service instead of the process's default
    named = bool(os.environ.get("OTEL_SERVICE_NAME"))
    resource = Resource.create({} if named else {SERVICE_NAME: service_name})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _provider = provider
    _instrument_libraries()
    return provider


def preload() -> None:
    """Import the exporter and the instrumentation in a prefork worker's main process: the pool
    processes it forks then share them, instead of each importing them as it starts."""
    if tracing_enabled():
        import opentelemetry.exporter.otlp.proto.http.trace_exporter
        import opentelemetry.instrumentation.redis  # noqa: F401


def _instrument_libraries() -> None:
    global _instrumented
    if _instrumented:
        return
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    from conveyor_core.observability.database import trace_statements

    trace_statements()
    RedisInstrumentor().instrument()
    _instrumented = True


def shutdown_tracing() -> None:
    """Send what is buffered: called as a process ends (a pool child, the api's lifespan)."""
    global _provider
    if _provider is not None:
        _provider.force_flush()
        _provider.shutdown()
        _provider = None


class _RequestGetter(Getter[Any]):
    """Reads the trace context from a task's request: custom message headers become attributes."""

    def get(self, carrier: Any, key: str) -> list[str] | None:
        value = getattr(carrier, key, None) or (getattr(carrier, "headers", None) or {}).get(key)
        return [str(value)] if value else None

    def keys(self, carrier: Any) -> list[str]:
        return []


_GETTER = _RequestGetter()


def connect_celery() -> None:
    """Publish and run spans for every Celery message this process sends or executes."""
    signals.before_task_publish.connect(
        _before_publish, weak=False, dispatch_uid="conveyor.trace.publish"
    )
    signals.after_task_publish.connect(
        _after_publish, weak=False, dispatch_uid="conveyor.trace.published"
    )
    signals.task_prerun.connect(_prerun, weak=False, dispatch_uid="conveyor.trace.prerun")
    signals.task_postrun.connect(_postrun, weak=False, dispatch_uid="conveyor.trace.postrun")


def _before_publish(
    sender: str | None = None,
    headers: dict[str, Any] | None = None,
    routing_key: str | None = None,
    **_: Any,
) -> None:
    if headers is None:
        return
    span = tracer().start_span(
        f"publish {sender}",
        kind=trace.SpanKind.PRODUCER,
        attributes={
            "messaging.system": "celery",
            "messaging.destination.name": routing_key or "",
            "messaging.message.id": str(headers.get("id", "")),
            "celery.task_name": str(sender),
        },
    )
    propagate.inject(headers, context=trace.set_span_in_context(span))
    with _publishing_lock:
        _publishing[str(headers.get("id"))] = span


def _after_publish(headers: dict[str, Any] | None = None, **_: Any) -> None:
    with _publishing_lock:
        span = _publishing.pop(str((headers or {}).get("id")), None)
    if span is not None:
        span.end()


def _prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    request = task.request
    parent = propagate.extract(request, getter=_GETTER)
    queue = (getattr(request, "delivery_info", None) or {}).get("routing_key") or ""
    attributes = {
        "messaging.system": "celery",
        "messaging.destination.name": str(queue),
        "messaging.message.id": str(task_id),
        "celery.task_name": task.name,
    }
    job_id = (getattr(request, "kwargs", None) or {}).get("job_id")
    if job_id:
        attributes["conveyor.job_id"] = str(job_id)
    span = tracer().start_span(
        f"run {task.name}", context=parent, kind=trace.SpanKind.CONSUMER, attributes=attributes
    )
    _running.span = span
    _running.token = context.attach(trace.set_span_in_context(span, parent))


def _postrun(state: str | None = None, **_: Any) -> None:
    span, token = getattr(_running, "span", None), getattr(_running, "token", None)
    if span is None:
        return
    if state == "FAILURE":
        span.set_status(trace.StatusCode.ERROR)
    span.end()
    if token is not None:
        context.detach(token)
    _running.span = _running.token = None


def current_trace_id() -> str | None:
    """The current trace's id as 32 hex digits, or ``None`` outside a recorded trace."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
