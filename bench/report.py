"""Rounds, percentiles and the PASS/MISS lines every benchmark prints with its baseline."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def alternate(rounds: int, measures: dict[str, Callable[[], T]]) -> dict[str, list[T]]:
    """Run every measure once per round, in forward then reverse order: on a shared machine the
    CPU available drifts within minutes, and alternating spreads the drift over both sides."""
    runs: dict[str, list[T]] = {name: [] for name in measures}
    for n in range(rounds):
        order = list(measures.items())
        for name, measure in order if n % 2 == 0 else reversed(order):
            print(f"  round {n + 1}: {name}", flush=True)
            runs[name].append(measure())
    return runs


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of a non-empty sample."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median_ratio(ours: Sequence[float], theirs: Sequence[float]) -> float:
    """The median of the rounds' ratios: each round's pair saw the same machine."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def fmt(values: Sequence[float], spec: str = ".2f") -> str:
    return ", ".join(format(v, spec) for v in values)


@dataclass(frozen=True)
class Verdict:
    benchmark: str
    target: str
    passed: bool
    line: str


VERDICTS: list[Verdict] = []


def verdict(
    benchmark: str, target: str, value: float, limit: float, *, at_most: bool, beside: str
) -> bool:
    """Print ``PASS``/``MISS`` for one target with its baseline beside it, and keep it for the
    run's summary."""
    passed = value <= limit if at_most else value >= limit
    bound = "<=" if at_most else ">="
    mark = "PASS" if passed else "MISS"
    line = f"{mark}  {target}: {_number(value)} (target {bound} {limit:g}); {beside}"
    print(line, flush=True)
    VERDICTS.append(Verdict(benchmark, target, passed, line))
    return passed


def _number(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def summary() -> None:
    if not VERDICTS:
        return
    passed = sum(v.passed for v in VERDICTS)
    print(f"== summary: {passed} of {len(VERDICTS)} targets met")
    for v in VERDICTS:
        print(f"[{v.benchmark}] {v.line}")
