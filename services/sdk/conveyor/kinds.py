"""The catalogue's entries: a kind's declaration and, where loaded, its implementation.

Plain data: the api reads the declarations (name, queue, params model, description), the
worker also the implementations. Nothing here runs a task.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from conveyor.context import TaskContext
from conveyor.origins import Origin
from conveyor.summary import FanoutSummary

Result = dict[str, Any] | None
TaskFunction = Callable[[Any, TaskContext], Result]


@dataclass(frozen=True, slots=True)
class TaskImplementation:
    """A plain task's body: ``function(params, ctx)``."""

    function: TaskFunction
    origin: Origin

    def run(self, params: BaseModel, ctx: TaskContext) -> Result:
        return self.function(params, ctx)


@dataclass(frozen=True, slots=True)
class FanoutImplementation:
    """A fan-out's class. One instance per process, made on first use (not at import), serves
    every plan and every item, possibly many items of one message in a row."""

    cls: type
    origin: Origin
    _instance: list[Any] = field(default_factory=list, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def instance(self) -> Any:
        with self._lock:
            if not self._instance:
                self._instance.append(self.cls())
            return self._instance[0]

    def plan(self, params: BaseModel) -> Iterable[dict[str, Any]]:
        plan: Iterable[dict[str, Any]] = self.instance().plan(params)
        return plan

    def item(self, params: BaseModel, item: dict[str, Any], ctx: TaskContext) -> Result:
        result: Result = self.instance().item(params, item, ctx)
        return result

    @property
    def finalizes(self) -> bool:
        """Whether the class has the optional ``finalize(self, params, summary)``."""
        return callable(getattr(self.cls, "finalize", None))

    def finalize(self, params: BaseModel, summary: FanoutSummary) -> Result:
        result: Result = self.instance().finalize(params, summary)
        return result


Implementation = TaskImplementation | FanoutImplementation


@dataclass(frozen=True, slots=True)
class Kind:
    """A task kind: what the api validates and lists, beat schedules, the worker runs."""

    name: str
    queue: str
    params: type[BaseModel]
    description: str
    fanout: bool
    # the module that declared the kind: its contracts module, or the module of @task/@fanout
    origin: Origin
    # declared by conveyor.contract() (a split package), so a body binds to it from elsewhere
    split: bool = False
    # None where only contracts are loaded (api, beat), or until an implementation binds
    implementation: Implementation | None = None
