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


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    queues = [name.strip() for name in args.queues.split(",") if name.strip()]
    try:
        catalogue = load(args.role, queues, modules=args.modules)
    except TaskLoadError as exc:
        print(f"conveyor: {exc}", file=sys.stderr)
        return 1
    for kind in catalogue:
        print(_line(kind))
    return 0


def _line(kind: Kind) -> str:
    shape = "fanout" if kind.fanout else "task"
    body = kind.implementation.origin.module if kind.implementation else "-"
    return f"{kind.name}\t{kind.queue}\t{shape}\t{kind.origin}\t{body}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m conveyor", description=__doc__)
    parser.add_argument("command", choices=["check"])
    parser.add_argument("--role", choices=ROLES, default="worker")
    parser.add_argument(
        "--queues", required=True, help="the deployment's queue names, comma-separated"
    )
    parser.add_argument("--modules", default=None, help=f"default: ${MODULES_ENV}")
    return parser
