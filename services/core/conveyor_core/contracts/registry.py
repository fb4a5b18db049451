"""The contracts known to this process: a name each, registered as their family is imported."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class TaskContract:
    name: str
    queue: str
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


CONTRACTS: dict[str, TaskContract] = {}


def register(contract: TaskContract) -> TaskContract:
    if contract.name in CONTRACTS:
        raise ValueError(f"contract {contract.name!r} is registered twice")
    CONTRACTS[contract.name] = contract
    return contract
