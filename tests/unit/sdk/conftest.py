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
from conveyor.reserved import BUILTIN_PACKAGES
from tests.unit.sdk.sites import TEST_BUILTINS, Site


@pytest.fixture
def catalogue() -> Iterator[Catalogue]:
    with use_catalogue(Catalogue(builtin_packages=TEST_BUILTINS)) as fresh:
        yield fresh


# modules that define tables: the shared metadata holds a table once per process, so these are
# imported once and kept across the import worlds
TABLE_MODULES = ("conveyor_diag.ledger",)


@pytest.fixture
def site(tmp_path: Path, catalogue: Catalogue) -> Iterator[Site]:
    """A fresh import world: the families' task modules are imported afresh (into this test's
    catalogue) and whatever a test imports from here is forgotten after it; the modules the
    process had before are put back."""
    for name in TABLE_MODULES:
        importlib.import_module(name)
    set_aside = {
        name: module
        for name, module in sys.modules.items()
        if name.partition(".")[0] in BUILTIN_PACKAGES and name not in TABLE_MODULES
    }
    for name in set_aside:
        del sys.modules[name]
    modules, path = set(sys.modules), list(sys.path)
    sys.path.insert(0, str(tmp_path))
    yield Site(tmp_path)
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        del sys.modules[name]
    sys.modules.update(set_aside)
    importlib.invalidate_caches()
    forget_distributions()
