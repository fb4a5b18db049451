"""Gauges measured when Prometheus scrapes: queue depth, consumers, worker liveness, beat, and
rows by status.

They live in the api, which always runs, so every configured queue reports its depth even while
its worker pool is scaled to zero (the autoscaler needs exactly that number). They describe the
whole cluster, so only the replica that holds the reporter lease serves them (``OneReporter``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator

import redis
import structlog
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.broker.depth import queue_depths
from conveyor_core.broker.keys import BEAT_LEADER_KEY
from conveyor_core.broker.queue_config import queue_set
from conveyor_core.broker.workers import (
    DOWN_AFTER_SECONDS,
    last_seen,
    per_queue,
    registered_workers,
)
from conveyor_core.db.engine import transaction
from conveyor_core.observability import repository
from conveyor_core.observability.reporter import Reporter

log = structlog.get_logger(__name__)


class Cached:
    """The last value of ``fetch`` for ``seconds``: several scrapers cost one measurement."""

    def __init__(self, fetch: Callable[[], list[GaugeMetricFamily]], seconds: float) -> None:
        self._fetch, self._seconds = fetch, seconds
        self._lock = threading.Lock()
        self._value: list[GaugeMetricFamily] = []
        self._at = float("-inf")

    def get(self) -> list[GaugeMetricFamily]:
        with self._lock:
            if time.monotonic() - self._at >= self._seconds:
                self._value, self._at = self._fetch(), time.monotonic()
            return self._value


def _gauge(
    name: str, doc: str, labels: list[str], rows: Iterable[tuple[list[str], float]]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    for values, value in rows:
        family.add_metric(values, value)
    return family


class OneReporter(Collector):
    """Serves the cluster-wide families of ``inner`` only while this replica is the reporter;
    ``conveyor_metrics_reporter`` says which replica that is."""

    def __init__(self, inner: list[Collector], reporter: Reporter) -> None:
        self._inner, self._reporter = inner, reporter

    def collect(self) -> Iterator[Metric]:
        reporting = self._reporter.reporting()
        yield _gauge(
            "conveyor_metrics_reporter",
            "1 on the api replica that serves the cluster-wide gauges.",
            [],
            [([], 1.0 if reporting else 0.0)],
        )
        for collector in self._inner:
            for family in collector.collect():
                if reporting or family.name in PER_REPLICA:
                    yield family


# what one replica sees for itself; every other family is the same figure on every replica
PER_REPLICA = {"conveyor_broker_up"}


def _worker_up(
    seen: dict[str, float], label: Callable[[str], str], now: float
) -> GaugeMetricFamily:
    """1 for a worker that heartbeats, 0 for one that went silent (until it is forgotten); by
    ``hostname`` label, so workers sharing one (a dev machine) read as the liveliest of them."""
    up: dict[str, float] = {}
    for nodename, at in seen.items():
        value = 1.0 if now - at < DOWN_AFTER_SECONDS else 0.0
        up[label(nodename)] = max(value, up.get(label(nodename), 0.0))
    return _gauge(
        "celery_worker_up",
        "1 while the worker heartbeats; 0 once it stopped without shutting down.",
        ["hostname"],
        (([host], value) for host, value in up.items()),
    )


class BrokerCollector(Collector):
    def __init__(
        self, client: redis.Redis, cache_seconds: float, hostname: Callable[[str], str]
    ) -> None:
        self._client, self._hostname = client, hostname
        self._queues = list(queue_set().names)
        self._cached = Cached(self._measure, cache_seconds)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._cached.get()

    def _measure(self) -> list[GaugeMetricFamily]:
        now = time.time()
        try:
            depths = queue_depths(self._client, self._queues)
            workers, processes = per_queue(registered_workers(self._client), self._queues, now)
            seen = last_seen(self._client, now)
            beat_up = 1.0 if self._client.exists(BEAT_LEADER_KEY) else 0.0
        except redis.RedisError as error:
            log.warning("broker metrics unavailable", error=repr(error))
            return [
                _gauge(
                    "conveyor_broker_up", "1 if the broker answered the scrape.", [], [([], 0.0)]
                )
            ]
        return [
            _gauge("conveyor_broker_up", "1 if the broker answered the scrape.", [], [([], 1.0)]),
            _gauge(
                "celery_queue_length",
                "Messages waiting in the queue, every priority sub-list counted.",
                ["queue_name"],
                (([d.queue], d.waiting) for d in depths),
            ),
            _gauge(
                "conveyor_queue_in_flight",
                "Messages reserved by workers and not yet acknowledged.",
                ["queue_name"],
                (([d.queue], d.in_flight) for d in depths),
            ),
            _gauge(
                "celery_active_worker_count",
                "Workers consuming the queue.",
                ["queue_name"],
                (([q], n) for q, n in workers.items()),
            ),
            _gauge(
                "celery_active_process_count",
                "Pool processes of the workers consuming the queue.",
                ["queue_name"],
                (([q], n) for q, n in processes.items()),
            ),
            _worker_up(seen, self._hostname, now),
            _gauge(
                "conveyor_beat_up",
                "1 while a beat leader holds its lock (it renews it on every tick).",
                [],
                [([], beat_up)],
            ),
        ]


class JobsCollector(Collector):
    def __init__(self, sessions: sessionmaker[Session], cache_seconds: float) -> None:
        self._sessions = sessions
        self._cached = Cached(self._measure, cache_seconds)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._cached.get()

    def _measure(self) -> list[GaugeMetricFamily]:
        try:
            with transaction(self._sessions) as session:
                jobs = repository.jobs_by_queue_and_status(session)
            with transaction(self._sessions) as session:
                items = repository.items_by_status(session)
        except Exception as error:  # a scrape must answer even while the database does not
            log.warning("job metrics unavailable", error=repr(error))
            return []
        counts = {(q, str(s)): 0 for q in queue_set().names for s in repository.WATCHED}
        counts.update({(queue, status): n for queue, status, n in jobs})
        item_counts = {str(s): 0 for s in repository.WATCHED} | dict(items)
        return [
            _gauge(
                "conveyor_jobs",
                "Jobs now queued, running or dead-lettered.",
                ["queue", "status"],
                (([str(q), str(s)], n) for (q, s), n in counts.items()),
            ),
            _gauge(
                "conveyor_job_items",
                "Fan-out items now queued, running or dead-lettered.",
                ["status"],
                (([s], n) for s, n in item_counts.items()),
            ),
        ]
