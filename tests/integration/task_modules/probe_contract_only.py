"""A contract whose implementation no module provides: the api accepts its jobs, a worker that
loads it refuses to start, and a worker without it fails its jobs."""

from __future__ import annotations

from pydantic import BaseModel

import conveyor


class UnbuiltParams(BaseModel):
    n: int


UNBUILT = conveyor.contract("probe.unbuilt", params=UnbuiltParams)
