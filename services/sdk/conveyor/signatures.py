"""Reading a task's params model from its annotations, with errors a task author can act on."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from conveyor.load_errors import InvalidTask


def check_callable(function: Callable[..., Any], shape: str, arity: int, where: str) -> None:
    """``function`` must accept ``arity`` positional arguments, as ``shape`` says."""
    if inspect.iscoroutinefunction(function):
        raise InvalidTask(f"{where}: tasks are plain functions, not async ones")
    try:
        inspect.signature(function).bind(*([None] * arity))
    except TypeError as exc:
        raise InvalidTask(f"{where}: must take {shape} ({exc})") from None


def params_model(function: Callable[..., Any], position: int, where: str) -> type[BaseModel]:
    """The pydantic model annotated on the positional parameter at ``position``."""
    name = list(inspect.signature(function).parameters)[position]
    try:
        hints = typing.get_type_hints(function)
    except Exception as exc:  # any error evaluating an annotation is the author's to fix
        raise InvalidTask(f"{where}: cannot resolve its annotations: {exc!r}") from exc
    if name not in hints:
        raise InvalidTask(
            f"{where}: annotate the parameter {name!r} with the pydantic model of the params"
        )
    model = hints[name]
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise InvalidTask(
            f"{where}: the parameter {name!r} is annotated {model!r}, "
            "which is not a pydantic BaseModel subclass"
        )
    return model
