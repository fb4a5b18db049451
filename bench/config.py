"""Sizes and rounds of a run: ``make bench`` measures the issue's sizes; ``BENCH_QUICK=1`` is a
smoke run of a few minutes (small sizes, one round) that checks the benchmarks still work."""

from __future__ import annotations

import os

QUICK = os.environ.get("BENCH_QUICK") == "1"
# same workers for Conveyor and every baseline: prefork, two pool processes
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))


def rounds(full: int = 3) -> int:
    """Alternating rounds per comparison (BENCH_ROUNDS overrides)."""
    return int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else str(full)))


def size(name: str, full: int, quick: int) -> int:
    """How many of something a benchmark runs: BENCH_<NAME> overrides the mode's default."""
    return int(os.environ.get(f"BENCH_{name.upper()}", str(quick if QUICK else full)))


def seconds(full: float, quick: float) -> float:
    return quick if QUICK else full
