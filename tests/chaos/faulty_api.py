"""The api process with a crash installed from outside it: it SIGKILLs itself right after a
job's commit and before its message is published, as a crash there would.

The job service sends ``jobs_created`` exactly between the two, so the fault listens to it.
Started as ``uvicorn --factory tests.chaos.faulty_api:create_app``.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from fastapi import FastAPI

from conveyor_api import main
from conveyor_core.jobs.signals import jobs_created

FACTORY = f"{__name__}:create_app"


def _die(**_: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def create_app() -> FastAPI:
    jobs_created.connect(_die, weak=False)
    return main.create_app()
