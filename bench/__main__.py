"""``make bench``: run every benchmark in turn; each prints its figures and its baseline, and
the run ends with every target's PASS or MISS.

``python -m bench NAME...`` runs some (a module's name without ``bench_``); ``BENCH_QUICK=1``
makes it a smoke run of small sizes and one round.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

from bench import report
from bench.config import QUICK

# the targets in order, then the others
ORDER = ["durable", "fanout", "api", "latency", "footprint", "scale"]


def available() -> list[str]:
    here = Path(__file__).parent
    names = {
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    }
    return [n for n in ORDER if n in names] + sorted(names - set(ORDER))


def main(selected: list[str]) -> int:
    names = selected or available()
    unknown = set(names) - set(available())
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: {available()}")
        return 2
    started = time.monotonic()
    print(f"mode: {'quick (BENCH_QUICK=1)' if QUICK else 'full'}", flush=True)
    for name in names:
        began = time.monotonic()
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.bench_{name}").main()
        print(f"== {name}: {time.monotonic() - began:.0f} s", flush=True)
    report.summary()
    print(f"== total: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
