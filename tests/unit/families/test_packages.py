"""The families as installed packages: their entry points load through the SDK's discovery,
the api's share (contracts) imports none of the workers' libraries, and a worker's binds every
contract to its body."""

from __future__ import annotations

import json
import subprocess
import sys

KINDS = {
    "backfill.fetch": ("data", True),
    "data.export": ("data", False),
    "data.import_file": ("data", False),
    "data.validate_file": ("data", False),
    "ingest.all_sources": ("default", True),
    "ingest.feed": ("default", False),
}
WORKER_LIBRARIES = ("httpx", "openpyxl", "icalendar", "recurring_ical_events", "feedparser")
HEAVY = ("celery", "kombu", "redis", "sqlalchemy", "psycopg", "conveyor_worker", "conveyor_api")

PROBE = """
import json, sys
from conveyor.discovery import load
catalogue = load(sys.argv[1], {"default", "data", "ai", "billing", "tools", "maintenance"},
                 modules="")
kinds = {k.name: [k.queue, k.fanout, k.implementation is not None] for k in catalogue
         if k.name.split(".")[0] in ("backfill", "data", "ingest")}
loaded = sorted({name.partition(".")[0] for name in sys.modules})
print(json.dumps({"kinds": kinds, "loaded": loaded}))
"""


def load(role: str) -> dict[str, object]:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, role], capture_output=True, text=True, check=True
    )
    loaded: dict[str, object] = json.loads(probe.stdout)
    return loaded


def test_the_api_loads_the_families_contracts_without_their_libraries() -> None:
    found = load("contracts")
    assert found["kinds"] == {
        name: [queue, fanout, False] for name, (queue, fanout) in KINDS.items()
    }
    loaded = set(found["loaded"])  # type: ignore[call-overload]
    assert loaded.isdisjoint(WORKER_LIBRARIES + HEAVY)


def test_a_worker_binds_every_contract_of_the_families_to_its_body() -> None:
    found = load("worker")
    assert found["kinds"] == {
        name: [queue, fanout, True] for name, (queue, fanout) in KINDS.items()
    }
