"""Running the real ``conveyor`` command, as a user would, in a clean environment."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

CLI_TIMEOUT_SECONDS = 120


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
