"""The queues file of the deployment these tests configure."""

from __future__ import annotations

# backfill_high never retries and stops a task after one second: outcomes the default
# queue's policy (three retries, five minutes) would not give
QUEUES_YAML = """\
queues:
  backfill_high:
    max_retries: 0
    soft_time_limit_seconds: 1
    time_limit_seconds: 30
  data_import: {}
  billing:
    max_retries: 12
"""
CONFIGURED = ("backfill_high", "data_import")
