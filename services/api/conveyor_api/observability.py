"""The api's metrics and traces: ``GET /metrics``, request latency by route, the request span.

Process-wide families (requests, tasks sent, jobs created) live in one registry per process;
the gauges read from Redis and PostgreSQL are collected per app from the resources its
lifespan opened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conveyor_api.resources import ApiResources
from conveyor_core.jobs.signals import jobs_created
from conveyor_core.models import Job
from conveyor_core.observability import publish
from conveyor_core.observability.collectors import BrokerCollector, JobsCollector, OneReporter
from conveyor_core.observability.metrics import (
    API_FAMILIES,
    Metrics,
    build_metrics,
    hostname_label,
    served,
)
from conveyor_core.observability.reporter import Reporter
from conveyor_core.observability.tracing import configure_tracing, connect_celery
from conveyor_core.settings import get_settings

SERVICE_NAME = "conveyor-api"
UNMATCHED_ROUTE = "unmatched"  # 404s must not mint one series per probed path
UNTRACED_URLS = "healthz,readyz,metrics"


@lru_cache
def process_metrics() -> tuple[CollectorRegistry, Metrics]:
    metrics = build_metrics(CollectorRegistry())
    registry = served(metrics, API_FAMILIES)
    publish.connect(metrics, hostname_label(None, get_settings()))
    jobs_created.connect(_count_created(metrics), weak=False)
    return registry, metrics


def _count_created(metrics: Metrics) -> Callable[..., None]:
    def count(jobs: list[Job], **_: Any) -> None:
        for job in jobs:
            metrics.jobs_created.labels(job.kind, job.queue).inc()

    return count


class RequestMetrics:
    """Observes every HTTP request's latency under its route template and status code."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
            self.metrics.api_request_duration.labels(scope["method"], route, str(status)).observe(
                time.perf_counter() - started
            )


def start_reporter(res: ApiResources) -> Reporter | None:
    """The lease that makes one replica the reporter of the cluster-wide gauges; the lifespan
    stops it (giving the lease up) when the api stops."""
    if not res.settings.metrics_enabled:
        return None
    reporter = Reporter(res.redis, res.settings.metrics_scrape_interval_seconds)
    reporter.start()
    return reporter


def _scrape_registry(app: FastAPI) -> CollectorRegistry:
    registry: CollectorRegistry | None = getattr(app.state, "scrape_registry", None)
    if registry is None:
        res: ApiResources = app.state.resources
        settings = res.settings
        cache = settings.metrics_cache_seconds
        registry = CollectorRegistry()
        broker = BrokerCollector(res.redis, cache, lambda name: hostname_label(name, settings))
        jobs = JobsCollector(res.sessions, cache)
        registry.register(OneReporter([broker, jobs], app.state.reporter))
        app.state.scrape_registry = registry
    return registry


def metrics_endpoint(request: Request) -> Response:
    registry, _ = process_metrics()
    body = generate_latest(registry) + generate_latest(_scrape_registry(request.app))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI) -> None:
    """Wire metrics and traces into ``app``; call after its routers are included."""
    settings = get_settings()
    if settings.metrics_enabled:
        _, metrics = process_metrics()
        app.add_middleware(RequestMetrics, metrics=metrics)
        app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    if configure_tracing(SERVICE_NAME) is not None:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        connect_celery()
        FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_URLS)
