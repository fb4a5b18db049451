"""``python -m conveyor check``: load task packages as a process would, and say what it found.

Run it where the package is installed (a derived image's build, CI): it fails with the same
one-line message that would stop the api or a worker at start.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from conveyor.discovery import MODULES_ENV, ROLES, load
from conveyor.kinds import Kind
from conveyor.load_errors import TaskLoadError
from conveyor_core.broker.queue_config import QUEUES_FILE_ENV, QueueFileError, queue_set


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        queues = _queues(args.queues)
        catalogue = load(args.role, queues, modules=args.modules)
    except (TaskLoadError, QueueFileError) as exc:
        print(f"conveyor: {exc}", file=sys.stderr)
        return 1
    for kind in catalogue:
        print(_line(kind))
    return 0


def _queues(listed: str | None) -> list[str]:
    if listed is None:
        return list(queue_set().names)
    return [name.strip() for name in listed.split(",") if name.strip()]


def _line(kind: Kind) -> str:
    shape = "fanout" if kind.fanout else "task"
    body = kind.implementation.origin.module if kind.implementation else "-"
    return f"{kind.name}\t{kind.queue}\t{shape}\t{kind.origin}\t{body}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conveyor", description=__doc__)
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--role", choices=ROLES, default="worker")
    parser.add_argument(
        "--queues",
        default=None,
        help="the deployment's queue names, comma-separated; default: the queues "
        f"${QUEUES_FILE_ENV} configures (the built-in six when it is unset)",
    )
    parser.add_argument("--modules", default=None, help=f"default: ${MODULES_ENV}")
    return parser
