"""kombu's Redis transport with two changes: it survives a broker that goes away while messages
are unacknowledged, and it reuses one Redis client per channel."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from kombu.transport import redis as kombu_redis

log = structlog.get_logger(__name__)


class _QoS(kombu_redis.QoS):
    def restore_unacked(self, client: Any = None) -> None:
        # When the broker drops the worker's connection, kombu closes the channel after it has
        # already detached the connection's parameters; restoring then raises AttributeError,
        # which Celery does not treat as a connection error: the worker exits instead of
        # reconnecting (found by the chaos suite, scenario 9). The messages stay in the
        # ``unacked`` hash and come back once the visibility timeout passes.
        if self.channel.connection.client is None:
            log.warning(
                "unacked messages left to the visibility timeout", count=len(self._delivered)
            )
            self._delivered.clear()
            return
        super().restore_unacked(client)  # type: ignore[no-untyped-call]


class _Channel(kombu_redis.Channel):
    QoS = _QoS
    _shared_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        # kombu builds a new redis-py client object (about 60 µs) for every ack, every task
        # event and every publish that comes without one: three per task in a worker's main
        # process, the serial part of a worker. One client over the channel's connection pool
        # serves them all; a new one replaces it when kombu replaces the pool.
        if client:
            yield client
            return
        pool = self.pool
        if self._shared_client is None or self._shared_client.connection_pool is not pool:
            self._shared_client = self._create_client()  # type: ignore[no-untyped-call]
        yield self._shared_client


class RedisTransport(kombu_redis.Transport):
    """kombu's Redis transport, surviving a broker that goes away while messages are unacked,
    and reusing one Redis client per channel."""

    Channel = _Channel
