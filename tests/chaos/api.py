"""A client of the real api process that remembers every job it accepted."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import bearer
from tests.paths import JOBS
from tests.processes import Running

REQUEST_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class ApiProcess:
    """A real api process the scenario started, and where it answers."""

    running: Running
    url: str


@dataclass
class Accepted:
    """Job ids the api accepted (2xx), with the status each must end in."""

    expected: dict[str, str] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    refused: int = 0  # 503s: the api said no and must have kept no row


class Api:
    def __init__(self, url: str, key: str, sessions: sessionmaker[Session]) -> None:
        self.url = url
        self.sessions = sessions
        self.http = httpx.Client(
            base_url=url,
            headers=bearer(key),
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        self.accepted = Accepted()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: tuple[type[BaseException], BaseException, TracebackType]) -> None:
        self.http.close()

    def submit(
        self,
        kind: str,
        params: dict[str, Any],
        *,
        queue: str | None = None,
        expect: str = "succeeded",
    ) -> str | None:
        """POST one job; its id if accepted, ``None`` if the api refused it with a 503."""
        body: dict[str, Any] = {"kind": kind, "params": params}
        if queue is not None:
            body["queue"] = queue
        started = time.monotonic()
        response = self.http.post(JOBS, json=body)
        self.accepted.latencies.append(time.monotonic() - started)
        if response.status_code == httpx.codes.SERVICE_UNAVAILABLE:
            self.accepted.refused += 1
            return None
        assert response.status_code == httpx.codes.CREATED, response.text
        job_id = str(response.json()["id"])
        self.accepted.expected[job_id] = expect
        return job_id

    def submit_batch(
        self, kind: str, params: dict[str, Any], count: int, *, expect: str = "succeeded"
    ) -> list[str]:
        jobs = [{"kind": kind, "params": params} for _ in range(count)]
        response = self.http.post(f"{JOBS}:batch", json={"jobs": jobs})
        assert response.status_code == httpx.codes.CREATED, response.text
        ids = [str(job["id"]) for job in response.json()["items"]]
        self.accepted.expected.update(dict.fromkeys(ids, expect))
        return ids

    def get(self, path: str) -> Any:
        response = self.http.get(path)
        response.raise_for_status()
        return response.json()
