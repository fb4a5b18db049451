"""The task kinds this process offers, as the jobs service needs them: a name, a queue, a params
model to validate against.

Core does not discover kinds itself (the task SDK, which depends on core, does): each process
installs its catalogue here once, at start, and job creation looks kinds up in it. Until a
catalogue is installed the process knows no kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from conveyor_core.models import Job


class KindContract(Protocol):
    """What job creation reads from a kind's declaration."""

    @property
    def name(self) -> str: ...

    @property
    def queue(self) -> str: ...

    @property
    def params(self) -> type[BaseModel]: ...

    @property
    def description(self) -> str: ...

    @property
    def fanout(self) -> bool: ...


class KindCatalogue(Protocol):
    """Kinds by name: the SDK's catalogue is one."""

    def get(self, name: str) -> KindContract | None: ...

    def kinds(self) -> Sequence[KindContract]: ...


class UnknownKind(LookupError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown job kind {kind!r}")
        self.kind = kind


class _NoKinds:
    def get(self, name: str) -> KindContract | None:
        return None

    def kinds(self) -> Sequence[KindContract]:
        return ()


class Finisher(Protocol):
    """A fan-out kind's own last step: called inside the finalization's transaction with the
    closed job and its statistics; what it returns joins the job's result."""

    def __call__(
        self, session: Session, job: Job, statistics: dict[str, Any]
    ) -> dict[str, Any] | None: ...


_installed: KindCatalogue = _NoKinds()
_finishers: dict[str, Finisher] = {}


def install(catalogue: KindCatalogue, finishers: dict[str, Finisher] | None = None) -> None:
    """Make ``catalogue`` the kinds this process accepts jobs for, and ``finishers`` (a
    worker's: the fan-outs with a ``finalize``) what finalizes their jobs here."""
    global _installed
    _installed = catalogue
    _finishers.clear()
    _finishers.update(finishers or {})


def finisher_for(kind: str) -> Finisher | None:
    return _finishers.get(kind)


def get_kind(name: str) -> KindContract:
    kind = _installed.get(name)
    if kind is None:
        raise UnknownKind(name)
    return kind


def all_kinds() -> list[KindContract]:
    """Every kind, by name."""
    return sorted(_installed.kinds(), key=lambda kind: kind.name)
