"""Why a process refuses to start: every problem the catalogue and discovery find.

Each message names the module (and distribution) at fault. A process catches
:class:`TaskLoadError` at start, prints its message and exits non-zero: nothing is skipped.
"""

from __future__ import annotations


class TaskLoadError(Exception):
    """A task package cannot be served as it is."""


class InvalidTask(TaskLoadError):
    """A decorated function or class, or a declaration, is not a valid task kind."""


class DuplicateKind(TaskLoadError):
    """Two modules declare the same kind name."""


class DuplicateImplementation(TaskLoadError):
    """Two modules implement the same declared contract."""


class ContractMismatch(TaskLoadError):
    """An implementation disagrees with the contract it is bound to."""


class ReservedKind(TaskLoadError):
    """A package outside Conveyor's built-in families uses a reserved kind prefix."""


class ImportFailed(TaskLoadError):
    """A task module (an entry point, or one named in CONVEYOR_TASK_MODULES) failed to import."""


class DuplicateEntryPoint(TaskLoadError):
    """Two distributions declare the same entry point name in one group."""


class UndeclaredKind(TaskLoadError):
    """A split package's implementation module declares a kind its contracts do not."""


class UnknownQueue(TaskLoadError):
    """A kind names a queue this deployment does not configure."""


class MissingImplementation(TaskLoadError):
    """A worker would serve a contract that no loaded module implements."""
