"""``<data dir>/stack.json``: how to reach the dev stack that runs from this data folder.

``conveyor dev`` writes it (owner-only: it holds the database URL) once its servers answer and
removes it when it stops; the CLI reads it to find the stack's api and database by itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_DATA_DIR = ".conveyor"
FILE_NAME = "stack.json"


@dataclass(frozen=True)
class Stack:
    pid: int
    api_url: str
    database_url: str
    redis_url: str


def data_dir() -> Path:
    return Path(os.environ.get("CONVEYOR_DEV_DIR") or DEFAULT_DATA_DIR)


def write(root: Path, stack: Stack) -> None:
    path = root / FILE_NAME
    path.touch(mode=0o600)
    path.write_text(json.dumps(asdict(stack), indent=2) + "\n")


def remove(root: Path) -> None:
    (root / FILE_NAME).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def running(root: Path | None = None) -> Stack | None:
    """The stack recorded under ``root`` (default: CONVEYOR_DEV_DIR or .conveyor), if it runs."""
    path = (root or data_dir()) / FILE_NAME
    try:
        stack = Stack(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None
    return stack if _alive(stack.pid) else None
