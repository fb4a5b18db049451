"""``@task``, ``@fanout`` and ``contract()``: they only record into the catalogue.

Nothing here connects to anything, so the api and beat import task modules safely; the bodies
run only in a worker.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel

from conveyor.catalogue import default_catalogue
from conveyor.kinds import (
    FanoutImplementation,
    Implementation,
    Kind,
    TaskFunction,
    TaskImplementation,
)
from conveyor.load_errors import InvalidTask
from conveyor.origins import Origin
from conveyor.signatures import check_callable, params_model

DEFAULT_QUEUE = "default"
# "<namespace>.<name>", lower case: the namespace is the package's, the name the task's
KIND_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")

F = TypeVar("F", bound=TaskFunction)
C = TypeVar("C", bound=type)


def task(
    name: str, *, queue: str | None = None, description: str | None = None
) -> Callable[[F], F]:
    """Declare (or implement the contract of) the kind ``name``: ``function(params, ctx)``."""

    def register(function: F) -> F:
        where = f"@task({name!r}) on {_qualified(function)}"
        if inspect.isclass(function):
            raise InvalidTask(f"{where}: decorate a function; a fan-out class takes @fanout")
        check_callable(function, "(params, ctx)", 2, where)
        implementation = TaskImplementation(function, Origin.of(function.__module__))
        _register(
            name,
            where,
            params_model(function, 0, where),
            queue,
            description,
            implementation,
            function,
        )
        return function

    return register


def fanout(
    name: str, *, queue: str | None = None, description: str | None = None
) -> Callable[[C], C]:
    """Declare (or implement the contract of) the fan-out kind ``name``: a class with
    ``plan(self, params)`` and ``item(self, params, item, ctx)``."""

    def register(cls: C) -> C:
        where = f"@fanout({name!r}) on {_qualified(cls)}"
        model = _fanout_model(cls, where)
        implementation = FanoutImplementation(cls, Origin.of(cls.__module__))
        _register(name, where, model, queue, description, implementation, cls)
        return cls

    return register


def contract(
    name: str,
    *,
    params: type[BaseModel],
    queue: str = DEFAULT_QUEUE,
    fanout: bool = False,
    description: str | None = None,
) -> Kind:
    """Declare the kind ``name`` without its body (an import-light contracts module)."""
    module = sys._getframe(1).f_globals.get("__name__", "__main__")
    where = f"contract({name!r}) in module {module}"
    _check_declaration(name, queue, where)
    if not (isinstance(params, type) and issubclass(params, BaseModel)):
        raise InvalidTask(f"{where}: params must be a pydantic BaseModel subclass, not {params!r}")
    kind = Kind(name, str(queue), params, description or "", fanout, Origin.of(module), split=True)
    return default_catalogue().declare(kind)


def _register(
    name: str,
    where: str,
    params: type[BaseModel],
    queue: str | None,
    description: str | None,
    implementation: Implementation,
    target: object,
) -> None:
    catalogue = default_catalogue()
    fanout = isinstance(implementation, FanoutImplementation)
    declared = catalogue.get(name)
    if declared is not None and declared.split:
        catalogue.bind(
            name,
            implementation,
            fanout=fanout,
            params=params,
            queue=queue,
            description=description,
        )
        return
    _check_declaration(name, queue or DEFAULT_QUEUE, where)
    summary = description if description is not None else _docstring(target)
    catalogue.declare(
        Kind(
            name,
            str(queue or DEFAULT_QUEUE),
            params,
            summary,
            fanout,
            implementation.origin,
            implementation=implementation,
        )
    )


def _fanout_model(cls: object, where: str) -> type[BaseModel]:
    if not inspect.isclass(cls):
        raise InvalidTask(f"{where}: decorate a class with plan() and item() methods")
    plan, item = getattr(cls, "plan", None), getattr(cls, "item", None)
    if not (callable(plan) and callable(item)):
        raise InvalidTask(f"{where}: the class needs a plan() and an item() method")
    check_callable(plan, "(self, params)", 2, f"{where}, plan()")
    check_callable(item, "(self, params, item, ctx)", 4, f"{where}, item()")
    finalize = getattr(cls, "finalize", None)
    if finalize is not None:
        if not callable(finalize):
            raise InvalidTask(f"{where}: finalize must be a method")
        check_callable(finalize, "(self, params, summary)", 3, f"{where}, finalize()")
    model = params_model(plan, 1, f"{where}, plan()")
    if _annotated(item, 1) and params_model(item, 1, f"{where}, item()") is not model:
        raise InvalidTask(f"{where}: plan() and item() annotate different params models")
    return model


def _annotated(function: Callable[..., object], position: int) -> bool:
    parameter = list(inspect.signature(function).parameters.values())[position]
    return parameter.annotation is not inspect.Parameter.empty


def _check_declaration(name: str, queue: str, where: str) -> None:
    if not isinstance(name, str) or not KIND_NAME.fullmatch(name):
        raise InvalidTask(
            f"{where}: a kind name is '<namespace>.<name>' in lower case "
            f"(letters, digits, '_'), like 'acme.double'; got {name!r}"
        )
    if not isinstance(queue, str) or not queue:
        raise InvalidTask(f"{where}: the queue must be a queue name, not {queue!r}")


def _docstring(target: object) -> str:
    doc = getattr(target, "__doc__", None)
    return inspect.cleandoc(doc).split("\n\n")[0].replace("\n", " ") if doc else ""


def _qualified(target: object) -> str:
    module = getattr(target, "__module__", "?")
    return f"{module}.{getattr(target, '__qualname__', repr(target))}"
