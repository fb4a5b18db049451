"""A task module that fails to import: the process stops at start, naming it."""

from __future__ import annotations

raise RuntimeError("probe_broken cannot be imported")
