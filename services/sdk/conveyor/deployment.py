"""Loading the kinds a Conveyor process serves, at its start: the api and beat load contracts,
workers contracts and implementations. The catalogue found becomes the kinds the process's job
creation accepts (``conveyor_core.jobs.kinds``).

A problem stops the process with one line naming the module at fault: nothing is skipped.
"""

from __future__ import annotations

import sys

from conveyor.catalogue import Catalogue
from conveyor.discovery import Role, load
from conveyor.load_errors import TaskLoadError
from conveyor_core.broker.queue_config import QueueFileError, queue_set
from conveyor_core.jobs import kinds
from conveyor_core.settings import Settings

# the entry point name of the diagnostic family, left out where CONVEYOR_DIAGNOSTICS is off
DIAGNOSTIC_FAMILY = "diag"


def load_kinds(settings: Settings, role: Role) -> Catalogue:
    """Discover, check and install this process's kinds (on the configured queues); raises
    ``TaskLoadError``, or ``QueueFileError`` for a bad CONVEYOR_QUEUES_FILE."""
    exclude = () if settings.diagnostics else (DIAGNOSTIC_FAMILY,)
    catalogue = load(role, list(queue_set().names), exclude=exclude)
    kinds.install(catalogue)
    return catalogue


def load_kinds_or_exit(settings: Settings, role: Role, process: str) -> Catalogue:
    """:func:`load_kinds`, or the process exits (status 1) with the problem on stderr."""
    try:
        return load_kinds(settings, role)
    except (TaskLoadError, QueueFileError) as exc:
        print(f"conveyor {process}: cannot start: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(1) from None
