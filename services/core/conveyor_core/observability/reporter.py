"""Which api replica reports the cluster-wide gauges: exactly one at a time.

Queue depth, consumers, worker liveness and rows by status are the same figure whichever replica
measures it; served by every replica, a ``sum`` over them (what celery-exporter's dashboards and
alerts do) counts it once per replica. So the replicas hold a lease in Redis: its holder serves
those gauges, the others do not. The holder renews the lease from a thread of its own, stops
reporting as soon as it cannot prove it still holds it, and gives it up when the api stops.

A new holder waits one scrape interval before it reports: by then Prometheus has scraped the
previous holder without the gauges (or found it gone), so two replicas never report at once;
the price is a gap of about one lease and one scrape interval when the holder dies.
"""

from __future__ import annotations

import threading
import time

import redis
import structlog

from conveyor_core.broker.keys import METRICS_REPORTER_KEY
from conveyor_core.broker.lease import Lease

log = structlog.get_logger(__name__)

LEASE_SECONDS = 15.0
RENEW_SECONDS = 5.0  # three renewals per lease: one lost round trip does not hand it over


class Reporter:
    def __init__(self, client: redis.Redis, warmup_seconds: float) -> None:
        self._lease = Lease(client, METRICS_REPORTER_KEY, int(LEASE_SECONDS * 1000))
        self._warmup = warmup_seconds
        self._held_since: float | None = None
        self._renewed_at = float("-inf")
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="metrics-reporter", daemon=True)

    def start(self) -> None:
        self.renew()  # a replica that starts alone reports on its first scrape (after warmup)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=RENEW_SECONDS)
        self._held_since = None
        self._lease.release()

    def renew(self) -> None:
        now = time.monotonic()
        held = self._lease.acquire_or_renew()
        if held != (self._held_since is not None):
            log.info("metrics reporter changed", reporting=held, identity=self._lease.identity)
        if not held:
            self._held_since = None
            return
        self._renewed_at = now
        if self._held_since is None:
            self._held_since = now

    def reporting(self) -> bool:
        """Whether this replica serves the cluster-wide gauges on this scrape."""
        since = self._held_since
        now = time.monotonic()
        if since is None or now - self._renewed_at > LEASE_SECONDS - RENEW_SECONDS:
            return False
        return now - since >= self._warmup

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.renew()
            self._stopped.wait(RENEW_SECONDS)
