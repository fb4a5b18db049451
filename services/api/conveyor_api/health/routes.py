"""Probes: /healthz says the process is alive, /readyz that its backing services answer."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from conveyor_api.deps import ResourcesDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _check(probe: Callable[[], object]) -> str:
    try:
        probe()
    except Exception as error:
        return f"unavailable: {type(error).__name__}"
    return "ok"


@router.get("/readyz", responses={503: {"description": "a backing service is unreachable"}})
def readyz(res: ResourcesDep) -> JSONResponse:
    def postgres() -> None:
        with res.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    checks = {"postgres": _check(postgres), "redis": _check(res.redis.ping)}
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
