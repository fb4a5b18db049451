"""The kinds a deployment offers: every built-in family's contracts, the diagnostic ones only
where CONVEYOR_DIAGNOSTICS is on."""

from __future__ import annotations

from conveyor_core.contracts.registry import CONTRACTS, TaskContract, UnknownKind
from conveyor_core.diag import contracts as diag_contracts
from conveyor_core.settings import Settings

BUILTIN_FAMILIES = (diag_contracts,)  # imported for their register() side effect


def _enabled(contract: TaskContract, settings: Settings) -> bool:
    return settings.diagnostics or not contract.diagnostic


def get_contract(kind: str, settings: Settings) -> TaskContract:
    contract = CONTRACTS.get(kind)
    if contract is None or not _enabled(contract, settings):
        raise UnknownKind(kind)
    return contract


def catalogue(settings: Settings) -> list[TaskContract]:
    return sorted((c for c in CONTRACTS.values() if _enabled(c, settings)), key=lambda c: c.name)
