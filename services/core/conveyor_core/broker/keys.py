"""Redis keys that processes which never import each other agree on."""

from __future__ import annotations

# held by the beat leader and renewed on every tick; the api's metrics report whether it is held
BEAT_LEADER_KEY = "conveyor:beat:leader"

# the broker's epoch: which Redis server process holds the data, and since when (broker.epoch)
BROKER_EPOCH_KEY = "conveyor:broker:epoch"

# held by the one api replica that reports the cluster-wide gauges (observability.reporter)
METRICS_REPORTER_KEY = "conveyor:metrics:reporter"
