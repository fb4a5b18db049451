"""Submitting Conveyor jobs through the api and waiting for them, shared by the benchmarks."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bench.stack import Database, wait_until

FINALIZED = "SELECT finalized_at IS NOT NULL FROM jobs WHERE id = %s"


def client(url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=120)


def post(api: httpx.Client, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/api/v1/jobs", json={"kind": kind, "params": params})
    response.raise_for_status()
    job: dict[str, Any] = response.json()
    return job


def fanout_seconds(api: httpx.Client, db: Database, items: int) -> float:
    """A ``diag.fanout`` of ``items`` no-op items, from its POST until it is finalized."""
    started = time.perf_counter()
    job = post(api, "diag.fanout", {"items": items, "sleep_ms": 0})
    done = wait_until(lambda: bool(db.scalar(FINALIZED, job["id"])), f"fan-out {job['id']}")
    status = db.scalar("SELECT status FROM jobs WHERE id = %s", job["id"])
    if status != "succeeded":
        raise RuntimeError(f"fan-out {job['id']} ended {status}")
    return done - started
