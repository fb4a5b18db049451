"""The catalogue of task kinds the decorators fill, and the process-wide default one."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Collection, Iterator

from pydantic import BaseModel

from conveyor.kinds import Implementation, Kind
from conveyor.load_errors import (
    ContractMismatch,
    DuplicateImplementation,
    DuplicateKind,
    ReservedKind,
)
from conveyor.reserved import BUILTIN_PACKAGES, is_builtin, reserved_prefix


class Catalogue:
    """Kinds by name. Declaring checks names; binding checks implementations."""

    def __init__(self, builtin_packages: Collection[str] = BUILTIN_PACKAGES) -> None:
        self._kinds: dict[str, Kind] = {}
        self._builtin_packages = frozenset(builtin_packages)

    def __contains__(self, name: object) -> bool:
        return name in self._kinds

    def __getitem__(self, name: str) -> Kind:
        return self._kinds[name]

    def __iter__(self) -> Iterator[Kind]:
        return iter(self.kinds())

    def __len__(self) -> int:
        return len(self._kinds)

    def get(self, name: str) -> Kind | None:
        return self._kinds.get(name)

    def kinds(self) -> list[Kind]:
        return sorted(self._kinds.values(), key=lambda kind: kind.name)

    def unimplemented(self) -> list[Kind]:
        return [kind for kind in self.kinds() if kind.implementation is None]

    def declare(self, kind: Kind) -> Kind:
        prefix = reserved_prefix(kind.name)
        if prefix and not is_builtin(kind.origin.module, self._builtin_packages):
            raise ReservedKind(
                f"kind {kind.name!r} of {kind.origin}: the prefix {prefix!r} is reserved for "
                "Conveyor's built-in families; name your kinds after your package"
            )
        if (existing := self._kinds.get(kind.name)) is not None:
            raise DuplicateKind(
                f"kind {kind.name!r} is registered twice: by {existing.origin} and by {kind.origin}"
            )
        self._kinds[kind.name] = kind
        return kind

    def bind(
        self,
        name: str,
        implementation: Implementation,
        *,
        fanout: bool,
        params: type[BaseModel],
        queue: str | None = None,
        description: str | None = None,
    ) -> Kind:
        """Attach a body to the contract declared as ``name``; it must agree with it."""
        kind = self._kinds[name]
        if kind.implementation is not None:
            raise DuplicateImplementation(
                f"contract {name!r} ({kind.origin}) is implemented twice: by "
                f"{kind.implementation.origin} and by {implementation.origin}"
            )
        _check_agreement(kind, implementation, fanout, params, queue)
        if description is not None and description != kind.description:
            raise ContractMismatch(
                f"{implementation.origin} implements {name!r}, declared by {kind.origin}: "
                "the description belongs to the contract; leave it out of the implementation"
            )
        bound = dataclasses.replace(kind, implementation=implementation)
        self._kinds[name] = bound
        return bound


def _check_agreement(
    kind: Kind,
    implementation: Implementation,
    fanout: bool,
    params: type[BaseModel],
    queue: str | None,
) -> None:
    where = f"{implementation.origin} implements {kind.name!r}, declared by {kind.origin}"
    if kind.fanout != fanout:
        shape, use = ("a fan-out", "@fanout") if kind.fanout else ("a plain task", "@task")
        raise ContractMismatch(f"{where} as {shape}: use {use}")
    if params is not kind.params:
        raise ContractMismatch(
            f"{where}: its params are annotated {_model(params)}, but the contract declares "
            f"{_model(kind.params)}; annotate the declared model"
        )
    if queue is not None and queue != kind.queue:
        raise ContractMismatch(
            f"{where}: it names queue {queue!r}, but the contract's queue is {kind.queue!r}; "
            "leave the queue to the contract"
        )


def _model(model: type[BaseModel]) -> str:
    return f"{model.__module__}.{model.__qualname__}"


_default = Catalogue()


def default_catalogue() -> Catalogue:
    """The catalogue ``@task``, ``@fanout`` and ``contract()`` register into."""
    return _default


@contextlib.contextmanager
def use_catalogue(catalogue: Catalogue | None = None) -> Iterator[Catalogue]:
    """Make ``catalogue`` (a fresh one by default) the default while the block runs."""
    global _default
    previous, _default = _default, catalogue if catalogue is not None else Catalogue()
    try:
        yield _default
    finally:
        _default = previous
