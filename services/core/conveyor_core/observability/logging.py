"""JSON logs, one event per line, for every process; standard-library loggers included."""

from __future__ import annotations

import logging
import sys
from typing import Any
from urllib.parse import urlsplit

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from conveyor_core.settings import Settings

REDACTED = "[redacted]"


def configured_secrets(settings: Settings) -> list[str]:
    """Values that must never appear in a log line."""
    values = [settings.database_dsn, settings.redis_dsn]
    values += [urlsplit(url).password or "" for url in values]
    if settings.bootstrap_admin_key is not None:
        values.append(settings.bootstrap_admin_key.get_secret_value())
    return [v for v in values if len(v) >= 4]


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
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
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
