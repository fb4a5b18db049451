from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from conveyor_core.queues import Queue
from conveyor_core.settings import Settings


@dataclass(frozen=True, slots=True)
class TaskContract:
    name: str
    queue: Queue
    params: type[BaseModel]
    description: str
    # fan-out kinds run an orchestrator that creates one item (its own task) per unit of work
    fanout: bool = False
    # diagnostic kinds exist only where CONVEYOR_DIAGNOSTICS is on
    diagnostic: bool = False


class UnknownKind(LookupError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"unknown job kind {kind!r}")
        self.kind = kind


_CONTRACTS: dict[str, TaskContract] = {}


def register(contract: TaskContract) -> TaskContract:
    if contract.name in _CONTRACTS:
        raise ValueError(f"contract {contract.name!r} is registered twice")
    _CONTRACTS[contract.name] = contract
    return contract


def _enabled(contract: TaskContract, settings: Settings) -> bool:
    return settings.diagnostics or not contract.diagnostic


def get_contract(kind: str, settings: Settings) -> TaskContract:
    _load_builtin_contracts()
    contract = _CONTRACTS.get(kind)
    if contract is None or not _enabled(contract, settings):
        raise UnknownKind(kind)
    return contract


def catalogue(settings: Settings) -> list[TaskContract]:
    _load_builtin_contracts()
    return sorted((c for c in _CONTRACTS.values() if _enabled(c, settings)), key=lambda c: c.name)


def _load_builtin_contracts() -> None:
    # imported for their register() side effect; cheap after the first call
    from conveyor_core.contracts import diag  # noqa: F401
