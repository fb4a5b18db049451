"""Reading a real /metrics endpoint the way Prometheus does."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from tests.waiting import until

Sample = tuple[str, dict[str, str], float]


def scrape(url: str) -> list[Sample]:
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return [
        (s.name, dict(s.labels), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def value(samples: list[Sample], metric: str, /, **labels: str) -> float:
    """The sum of every sample of ``name`` whose labels include ``labels``."""
    return sum(v for n, have, v in samples if n == metric and labels.items() <= have.items())


def wait_for_value(url: str, metric: str, minimum: float, /, **labels: str) -> list[Sample]:
    def probe() -> list[Sample] | None:
        try:
            samples = scrape(url)
        except OSError:
            return None
        return samples if value(samples, metric, **labels) >= minimum else None

    return until(probe, what=f"{metric}{labels} >= {minimum} at {url}")
