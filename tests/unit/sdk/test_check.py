"""`python -m conveyor check`: a real process loads task packages as the api or a worker would."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.unit.sdk.sites import ACME, TASK_MODULES, Site


def check(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(site.path), str(ACME), str(TASK_MODULES)])
    env = {**os.environ, "PYTHONPATH": path, "CONVEYOR_TASK_MODULES": "team_tasks"}
    command = [sys.executable, "-m", "conveyor", "check", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def test_check_lists_what_the_api_would_load(site: Site) -> None:
    site.install_example()
    listed = check(site, "--role", "contracts", "--queues", "default,data")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split("\t")[0]: line.split("\t") for line in listed.stdout.splitlines()}
    assert rows["acme.report"][1:] == [
        "data",
        "task",
        "module acme_tasks.reports.contracts (distribution acme-tasks)",
        "-",
    ]
    assert rows["acme.squares"][1:3] == ["data", "fanout"]
    assert rows["team.greet"][4] == "team_tasks"


def test_check_fails_with_the_message_that_stops_a_worker(site: Site) -> None:
    site.install_example()
    refused = check(site, "--queues", "default")
    assert refused.returncode == 1
    assert refused.stdout == ""
    [line] = refused.stderr.splitlines()
    assert line.startswith("conveyor: kinds on queues this deployment does not configure")
    assert "'acme.squares' on 'data' (module acme_tasks.tasks (distribution acme-tasks))" in line
