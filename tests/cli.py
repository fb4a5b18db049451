"""Running the real ``conveyor`` command, as a user would, in a clean environment."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from conveyor_cli.devstack.ports import free_port

CLI_TIMEOUT_SECONDS = 120
PORT_VARIABLES = (
    "CONVEYOR_DEV_POSTGRES_PORT",
    "CONVEYOR_DEV_REDIS_PORT",
    "CONVEYOR_API_PORT",
    "CONVEYOR_METRICS_PORT",
)


def stack_env(data_dir: Path, **ports: int) -> dict[str, str]:
    """A dev stack's environment on free ports (``ports`` overrides some), nothing inherited."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "COLUMNS": "200"}
    env["CONVEYOR_DEV_DIR"] = str(data_dir)
    for variable in PORT_VARIABLES:
        env[variable] = str(ports.get(variable, free_port()))
    return env


def conveyor(
    *args: str,
    url: str,
    key: str,
    columns: int = 200,
    stdin: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``conveyor ARGS`` with only the API's address and key in its environment."""
    return subprocess.run(
        ["conveyor", *args],
        capture_output=True,
        text=True,
        check=False,
        input=stdin,
        cwd=cwd,
        env={
            "CONVEYOR_URL": url,
            "CONVEYOR_API_KEY": key,
            "PATH": os.environ["PATH"],
            "COLUMNS": str(columns),
        },
        timeout=CLI_TIMEOUT_SECONDS,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The failure said in one line on stderr, with exit 1 and no traceback."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
