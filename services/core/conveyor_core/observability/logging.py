"""JSON logs, one event per line, for every process; standard-library loggers included.

Lines carry the current trace and span ids, so a log line leads to its trace; a task's lines
carry its task, job and queue through structlog's context variables.
"""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import urlsplit

import structlog
from opentelemetry import trace
from pydantic import SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

from conveyor_core.settings import Settings

REDACTED = "[redacted]"
# Celery's own unstructured "Task ... received / succeeded" lines: Conveyor logs each task's
# lifecycle itself, with job, item, task and trace ids, so these only double every line.
# Their warnings and errors (a lost worker, a rejected message) still come through.
CELERY_PER_TASK_LOGGERS = ("celery.app.trace", "celery.worker.strategy")


MIN_SECRET_LENGTH = 4  # shorter values would redact ordinary words


def configured_secrets(settings: Settings) -> list[str]:
    """Values that must never appear in a log line: every secret setting, and the password
    inside each secret URL (a connection error may print the URL's parts)."""
    values = []
    for name in type(settings).model_fields:
        field = getattr(settings, name)
        if isinstance(field, SecretStr):
            secret = field.get_secret_value()
            values += [secret, _password(secret)]
    return [v for v in values if len(v) >= MIN_SECRET_LENGTH]


def _password(value: str) -> str:
    try:
        return urlsplit(value).password or ""
    except ValueError:
        return ""


def add_trace_context(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        event.setdefault("trace_id", format(span.trace_id, "032x"))
        event.setdefault("span_id", format(span.span_id, "016x"))
    return event


class Redactor:
    def __init__(self, secrets: list[str]) -> None:
        self._secrets = sorted(secrets, key=len, reverse=True)

    def __call__(self, _: WrappedLogger, __: str, event: EventDict) -> EventDict:
        for key, value in event.items():
            if isinstance(value, str):
                event[key] = self.redact(value)
        return event

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def _processors(settings: Settings, process: str) -> list[Processor]:
    def add_process(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        event.setdefault("process", process)
        return event

    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_process,
        add_trace_context,
        structlog.processors.format_exc_info,
        Redactor(configured_secrets(settings)),
    ]


def configure_logging(settings: Settings, process: str) -> None:
    shared = _processors(settings, process)
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        # a line below the level is dropped before any processor runs (the standard library
        # would drop it only after them: an item's DEBUG lines would cost as much as INFO)
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for name in CELERY_PER_TASK_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
