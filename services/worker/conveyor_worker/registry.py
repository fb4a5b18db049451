"""Which implementation runs each kind: data only, filled as the task families are imported and
read by the app, which binds one Celery task per entry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from conveyor_core.contracts import TaskContract
from conveyor_worker.runtime.context import FanOut, Implementation


@dataclass(frozen=True, slots=True)
class Registration:
    contract: TaskContract
    implementation: Implementation | FanOut


class Registry:
    """Kind -> its contract and implementation; one implementation per kind."""

    def __init__(self) -> None:
        self._entries: dict[str, Registration] = {}

    def register(self, contract: TaskContract, implementation: Implementation | FanOut) -> None:
        if contract.name in self._entries:
            raise ValueError(f"{contract.name} has two implementations")
        if contract.fanout != isinstance(implementation, FanOut):
            raise TypeError(f"{contract.name}: fan-out contracts need a FanOut implementation")
        self._entries[contract.name] = Registration(contract, implementation)

    def lookup(self, kind: str) -> Registration:
        return self._entries[kind]

    def __iter__(self) -> Iterator[Registration]:
        return iter(list(self._entries.values()))


REGISTRY = Registry()


def implements(contract: TaskContract) -> Callable[[Implementation], Implementation]:
    """Register the decorated function as ``contract``'s implementation."""

    def register(implementation: Implementation) -> Implementation:
        REGISTRY.register(contract, implementation)
        return implementation

    return register


def fans_out(contract: TaskContract, fanout: FanOut) -> None:
    REGISTRY.register(contract, fanout)
