"""Finding task packages: entry points of installed distributions, and CONVEYOR_TASK_MODULES.

Each process loads once, at start. The api and beat load contracts (role ``"contracts"``);
workers load everything (role ``"worker"``) and refuse a contract without its implementation.
"""

from __future__ import annotations

import importlib
import itertools
import os
from collections.abc import Callable, Collection, Iterable, Sequence
from importlib import metadata
from typing import Literal

from conveyor.catalogue import Catalogue, default_catalogue
from conveyor.kinds import Kind
from conveyor.load_errors import (
    DuplicateEntryPoint,
    ImportFailed,
    MissingImplementation,
    TaskLoadError,
    UndeclaredKind,
    UnknownQueue,
)
from conveyor.origins import forget_distributions

TASKS_GROUP = "conveyor.tasks"
CONTRACTS_GROUP = "conveyor.contracts"
MODULES_ENV = "CONVEYOR_TASK_MODULES"

Role = Literal["contracts", "worker"]
ROLES: tuple[Role, ...] = ("contracts", "worker")


def load(
    role: Role,
    queues: Collection[str],
    *,
    modules: str | Sequence[str] | None = None,
    exclude: Collection[str] = (),
) -> Catalogue:
    """Import every task module ``role`` needs into the default catalogue, check it and return
    it; raise :class:`~conveyor.load_errors.TaskLoadError` naming the module at fault.

    ``modules`` defaults to ``$CONVEYOR_TASK_MODULES``; ``exclude`` names entry points left out
    in both groups (a family this deployment turns off, like diagnostics). Loading again
    imports nothing new and checks again: a module registers once per process, into the
    catalogue that was the default then.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    forget_distributions()
    catalogue = default_catalogue()
    _load_entry_points(catalogue, role, exclude)
    for module in module_names(modules):
        _import_module(module)
    _check_queues(catalogue, queues)
    if role == "worker":
        _check_implemented(catalogue)
    return catalogue


def _load_entry_points(catalogue: Catalogue, role: Role, exclude: Collection[str]) -> None:
    split = {entry_point.name: entry_point for entry_point in _group(CONTRACTS_GROUP)}
    for entry_point in entry_points_for(role):
        if entry_point.name in exclude:
            continue
        before = {kind.name for kind in catalogue}
        _import_entry_point(entry_point)
        if entry_point.group == TASKS_GROUP and entry_point.name in split:
            added = [kind for kind in catalogue if kind.name not in before]
            _check_declared_by_contract(added, entry_point, split[entry_point.name])


def _check_declared_by_contract(
    added: list[Kind], tasks: metadata.EntryPoint, contracts: metadata.EntryPoint
) -> None:
    """The implementations of a split package must not declare kinds of their own: the api and
    beat, which import only its contracts, would never know them."""
    hidden = [kind for kind in added if not kind.split]
    if hidden:
        raise UndeclaredKind(
            f"entry point {tasks.name!r} ({TASKS_GROUP}) of {_shipped_by(tasks)} declares "
            f"{_each(f'{k.name!r} ({k.origin})' for k in hidden)} without a contract, but the "
            f"api and beat import only its contracts ({contracts.value}): declare it there "
            "with conveyor.contract()"
        )


def entry_points_for(role: Role) -> list[metadata.EntryPoint]:
    """Contracts first (so implementations bind to them), then the task modules ``role`` needs:
    for the api and beat only those with no contracts entry point of the same name."""
    contracts = _group(CONTRACTS_GROUP)
    tasks = _group(TASKS_GROUP)
    if role == "contracts":
        names = {entry_point.name for entry_point in contracts}
        tasks = [entry_point for entry_point in tasks if entry_point.name not in names]
    return [*contracts, *tasks]


def module_names(modules: str | Sequence[str] | None = None) -> list[str]:
    if modules is None:
        modules = os.environ.get(MODULES_ENV, "")
    if isinstance(modules, str):
        modules = modules.split(",")
    return [name.strip() for name in modules if name.strip()]


def _group(group: str) -> list[metadata.EntryPoint]:
    found = sorted(metadata.entry_points(group=group), key=lambda ep: ep.name)
    for first, second in itertools.pairwise(found):
        if first.name == second.name:
            raise DuplicateEntryPoint(
                f"entry point {first.name!r} of group {group} is declared twice: by "
                f"{_shipped_by(first)} ({first.value}) and by {_shipped_by(second)} "
                f"({second.value})"
            )
    return found


def _import_entry_point(entry_point: metadata.EntryPoint) -> None:
    where = (
        f"entry point {entry_point.name!r} ({entry_point.group}) of {_shipped_by(entry_point)}: "
        f"module {entry_point.module}"
    )
    _guarded(entry_point.load, where)


def _import_module(module: str) -> None:
    _guarded(lambda: importlib.import_module(module), f"{MODULES_ENV} module {module}")


def _guarded(load: Callable[[], object], where: str) -> None:
    try:
        load()
    except TaskLoadError:
        raise  # already names the module at fault
    except Exception as exc:
        raise ImportFailed(f"{where} failed to import: {type(exc).__name__}: {exc}") from exc


def _shipped_by(entry_point: metadata.EntryPoint) -> str:
    dist = entry_point.dist
    return f"distribution {dist.name}" if dist is not None else "an unknown distribution"


def _check_queues(catalogue: Catalogue, queues: Collection[str]) -> None:
    known = set(queues)
    unknown = [kind for kind in catalogue if kind.queue not in known]
    if unknown:
        listed = _each(f"{k.name!r} on {k.queue!r} ({k.origin})" for k in unknown)
        raise UnknownQueue(
            f"kinds on queues this deployment does not configure "
            f"(known: {', '.join(sorted(known))}): {listed}"
        )


def _check_implemented(catalogue: Catalogue) -> None:
    missing = catalogue.unimplemented()
    if missing:
        raise MissingImplementation(
            "contracts without an implementation (install the package that implements them, "
            f"or name its module in {MODULES_ENV}): "
            f"{_each(f'{k.name!r} ({k.origin})' for k in missing)}"
        )


def _each(parts: Iterable[str]) -> str:
    return "; ".join(parts)
