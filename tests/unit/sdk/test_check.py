"""`python -m conveyor check`: a real process loads task packages as the api or a worker would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conveyor_core.broker.queue_config import QUEUES_FILE_ENV
from tests.unit.sdk.sites import ACME, TASK_MODULES, Site

IMPORTER = """
from pydantic import BaseModel

from conveyor import TaskContext, task


class LoadParams(BaseModel):
    path: str


@task("team.load", queue="data_import")
def load(params: LoadParams, ctx: TaskContext) -> dict:
    return {"path": params.path}
"""


def check(
    site: Site, *args: str, queues_file: Path | None = None
) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(site.path), str(ACME), str(TASK_MODULES)])
    env = {**os.environ, "PYTHONPATH": path, "CONVEYOR_TASK_MODULES": "team_tasks"}
    env.pop(QUEUES_FILE_ENV, None)
    if queues_file is not None:
        env[QUEUES_FILE_ENV] = str(queues_file)
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


def test_check_takes_the_queues_the_queues_file_configures(site: Site, tmp_path: Path) -> None:
    site.module("team_import", IMPORTER)
    refused = check(site, "--modules", "team_import")
    assert refused.returncode == 1
    assert "'team.load' on 'data_import'" in refused.stderr
    queues = tmp_path / "queues.yaml"
    queues.write_text("queues:\n  data_import: {}\n")
    listed = check(site, "--modules", "team_import", queues_file=queues)
    assert listed.returncode == 0, listed.stderr
    assert "team.load\tdata_import\ttask" in listed.stdout


def test_check_refuses_a_bad_queues_file_naming_the_field(site: Site, tmp_path: Path) -> None:
    queues = tmp_path / "queues.yaml"
    queues.write_text("queues:\n  data_import:\n    retries: 3\n")
    refused = check(site, "--modules", "team_tasks", queues_file=queues)
    assert refused.returncode == 1
    assert refused.stderr == (
        f"conveyor: queues file {queues}: queues.data_import.retries: unknown key\n"
    )
