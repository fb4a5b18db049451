"""Chart tests: every ci/*-values.yaml rendered once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chart import rendering
from tests.chart.rendering import Manifest


@pytest.fixture(scope="session")
def helm_bin() -> str:
    try:
        return rendering.helm_binary()
    except rendering.ToolMissing as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def rendered(helm_bin: str) -> dict[str, list[Manifest]]:
    """ci values file stem (minimal, production-like, ...) -> rendered manifests."""
    return {
        path.name.removesuffix("-values.yaml"): rendering.template(helm_bin, [path])
        for path in rendering.CI_VALUES
    }


@pytest.fixture(params=[p.name.removesuffix("-values.yaml") for p in rendering.CI_VALUES])
def ci_case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def manifests(rendered: dict[str, list[Manifest]], ci_case: str) -> list[Manifest]:
    return rendered[ci_case]


@pytest.fixture
def ci_values(ci_case: str) -> Path:
    return rendering.CHART / "ci" / f"{ci_case}-values.yaml"
