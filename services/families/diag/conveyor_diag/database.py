"""The diagnostic family's own connection to Conveyor's database, for the effect ledger.

A task package that keeps records of its own opens its own engine, as this one does: lazily,
on first use in a worker process (never at import), and again after a fork.
"""

from __future__ import annotations

import os
import threading

from sqlalchemy.orm import Session, sessionmaker

from conveyor_core.db.engine import make_engine, make_sessionmaker
from conveyor_core.settings import get_settings

POOL_SIZE = 1  # one ledger transaction at a time per process

_lock = threading.Lock()
_opened: dict[int, sessionmaker[Session]] = {}


def sessions() -> sessionmaker[Session]:
    """This process's sessions (a forked pool child opens its own)."""
    pid = os.getpid()
    with _lock:
        if pid not in _opened:
            _opened.clear()  # a parent's engine must not be used across the fork
            engine = make_engine(get_settings(), "conveyor.worker.diag", pool_size=POOL_SIZE)
            _opened[pid] = make_sessionmaker(engine)
        return _opened[pid]
