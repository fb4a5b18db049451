"""SDK tests: a fresh catalogue per test, task modules written to a temporary directory on
sys.path, and distributions made visible to importlib.metadata through real dist-info folders."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conveyor.catalogue import Catalogue, use_catalogue
from conveyor.origins import forget_distributions
from tests.unit.sdk.sites import TEST_BUILTINS, Site


@pytest.fixture
def catalogue() -> Iterator[Catalogue]:
    with use_catalogue(Catalogue(builtin_packages=TEST_BUILTINS)) as fresh:
        yield fresh


@pytest.fixture
def site(tmp_path: Path, catalogue: Catalogue) -> Iterator[Site]:
    """A fresh import world: whatever a test imports from here is forgotten after it."""
    modules, path = set(sys.modules), list(sys.path)
    sys.path.insert(0, str(tmp_path))
    yield Site(tmp_path)
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        del sys.modules[name]
    importlib.invalidate_caches()
    forget_distributions()
