"""A fresh machine's first hour: a real `conveyor dev` stack, then every command line of the
README that runs the CLI, copied as written, with nothing but the system's PATH (no uv)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conveyor_cli.devstack import children, stackfile
from tests.cli import stack_env
from tests.processes import Running
from tests.waiting import until

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
BANNER = "conveyor: the CLI"
COMMAND_TIMEOUT_SECONDS = 120
CLI_LINE = re.compile(r"(?<![.\w])conveyor\s")  # the command, not the .conveyor/ folder
SETUP_LINE = re.compile(r"^(export )?[A-Z_]+=")


@dataclass
class DevStack:
    workdir: Path
    env: dict[str, str]
    process: Running
    found: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    """`conveyor dev` run from a folder of its own, as a checkout would run it."""
    workdir = tmp_path_factory.mktemp("checkout")
    (workdir / ".venv").symlink_to(ROOT / ".venv")
    (workdir / "examples").symlink_to(ROOT / "examples")
    env = stack_env(workdir / ".conveyor")
    env.pop("CONVEYOR_DEV_DIR")  # the default, .conveyor/ under the working folder
    # a team's task module, as docs/tasks.md runs it: a relative path, every process loads it
    env |= {"CONVEYOR_TASK_MODULES": "team_tasks", "PYTHONPATH": "examples/task-modules"}
    log = workdir / "dev.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            [".venv/bin/conveyor", "dev"],
            cwd=workdir,
            env={**env, "PATH": SYSTEM_PATH},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=children.child_setup(),
        )
    process = Running("dev", popen, log)
    try:
        process.wait_for_output(BANNER)
        yield DevStack(workdir, env, process)
    finally:
        process.stop(signal.SIGTERM)


def readme_cli_lines() -> list[str]:
    """The README's shell lines that set a variable or run the CLI, in order."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if SETUP_LINE.match(line) or CLI_LINE.search(line)]


def run_line(stack: DevStack, setup: list[str], line: str) -> subprocess.CompletedProcess[str]:
    for placeholder, value in stack.found.items():
        line = line.replace(placeholder, value)
    script = "\n".join([*setup, line])
    return subprocess.run(
        ["bash", "-euc", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=stack.workdir,
        env={**stack.env, "PATH": SYSTEM_PATH},
        timeout=COMMAND_TIMEOUT_SECONDS,
    )


def remember(stack: DevStack, line: str, result: subprocess.CompletedProcess[str]) -> None:
    """The ids later lines name as <key id> and <job id>."""
    if " keys create " in line:
        stack.found["<key id>"] = result.stderr.split("key id ")[1].split(",")[0]
    if " submit " in line:
        stack.found["<job id>"] = json.loads(result.stdout)["id"]


def test_every_readme_cli_line_runs_as_written(dev_stack: DevStack) -> None:
    setup: list[str] = []
    lines = readme_cli_lines()
    assert any(CLI_LINE.search(line) for line in lines)
    for line in lines:
        if SETUP_LINE.match(line):
            setup.append(line)
            continue
        result = run_line(dev_stack, setup, line)
        assert result.returncode == 0, f"{line}\n{result.stdout}\n{result.stderr}"
        remember(dev_stack, line, result)


def test_the_banner_says_how_to_run_the_cli(dev_stack: DevStack) -> None:
    banner = next(line for line in dev_stack.process.output().splitlines() if BANNER in line)
    assert ".venv/bin/conveyor" in banner
    assert "CONVEYOR_API_KEY=$(cat .conveyor/admin-key)" in banner


def test_bootstrap_finds_the_dev_stack_by_itself(dev_stack: DevStack) -> None:
    made = run_line(dev_stack, [], ".venv/bin/conveyor keys bootstrap --tenant first")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("cvk_")


def test_the_worker_gets_this_stacks_metrics_port_and_probe_folder(dev_stack: DevStack) -> None:
    probes = dev_stack.workdir / ".conveyor" / "probes"
    until(lambda: (probes / "conveyor-worker.ready").exists(), what="the worker's probe file")
    port = dev_stack.env["CONVEYOR_METRICS_PORT"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert b"celery" in answer.read()


def test_a_second_stack_from_the_same_folder_is_refused(dev_stack: DevStack) -> None:
    stack = stackfile.running(dev_stack.workdir / ".conveyor")
    assert stack is not None
    again = run_line(dev_stack, [], ".venv/bin/conveyor dev")
    assert again.returncode == 1
    assert f"a dev stack (pid {stack.pid}) already runs" in again.stderr


def test_the_stack_runs_the_task_modules_named_in_its_environment(dev_stack: DevStack) -> None:
    login = "export CONVEYOR_API_KEY=$(cat .conveyor/admin-key)"
    submitted = run_line(dev_stack, [login], ".venv/bin/conveyor submit team.greet -p name=Ada")
    assert submitted.returncode == 0, submitted.stderr
    job_id = json.loads(submitted.stdout)["id"]
    watched = run_line(dev_stack, [login], f".venv/bin/conveyor watch {job_id}")
    assert watched.returncode == 0, watched.stderr
    key = (dev_stack.workdir / ".conveyor" / "admin-key").read_text().strip()
    request = urllib.request.Request(
        f"http://127.0.0.1:{dev_stack.env['CONVEYOR_API_PORT']}/api/v1/jobs/{job_id}",
        headers={"Authorization": f"Bearer {key}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        job = json.loads(answer.read())
    assert job["status"] == "succeeded"
    assert job["result"] == {"greeting": "Hello, Ada!"}
