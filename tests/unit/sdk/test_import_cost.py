"""Task modules are imported by the api and beat: importing them must connect to nothing and
pull in no worker, broker or database code."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.unit.sdk.sites import ACME, TASK_MODULES

HEAVY = ("celery", "kombu", "redis", "sqlalchemy", "psycopg", "conveyor_worker", "conveyor_api")

PROBE = f"""
import sys
import conveyor, conveyor.discovery
import acme_tasks.tasks, acme_tasks.reports.contracts, team_tasks
import conveyor_diag.contracts, conveyor_backfill.contracts, conveyor_data.contracts
import conveyor_ingest.contracts
loaded = {{name.partition(".")[0] for name in sys.modules}}
print(",".join(sorted(loaded & set({HEAVY!r}))))
"""


def test_importing_the_sdk_task_modules_and_family_contracts_loads_nothing_heavy() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ACME), str(TASK_MODULES)])}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert probe.stdout.strip() == ""
