"""The HTTP client behind the job commands: the API's own error message on failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import typer

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT_SECONDS = 30.0

UrlOption = Annotated[str, typer.Option("--url", envvar="CONVEYOR_URL", help="The Conveyor API.")]
KeyOption = Annotated[
    str,
    typer.Option(
        "--api-key", envvar="CONVEYOR_API_KEY", help="An API key (Bearer).", show_default=False
    ),
]


class ApiClient:
    def __init__(self, url: str, key: str) -> None:
        self._http = httpx.Client(
            base_url=url.rstrip("/"),
            timeout=TIMEOUT_SECONDS,
            headers={"Authorization": f"Bearer {key}"},
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            fail(f"cannot reach the API: {error}")
        if response.is_error:
            fail(_message(response))
        return response.json() if response.content else None

    def events(self, path: str) -> Iterator[dict[str, Any]]:
        """The ``data:`` payloads of a Server-Sent Events stream, until it ends."""
        with self._http.stream("GET", path, timeout=None) as response:
            if response.is_error:
                response.read()
                fail(_message(response))
            for line in response.iter_lines():
                if line.startswith("data:"):
                    yield json.loads(line.removeprefix("data:").strip())


def _message(response: httpx.Response) -> str:
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}: {response.text[:200]}"
    details = "".join(
        f"\n  {'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}"
        for d in error.get("details") or []
        if isinstance(d, dict)
    )
    return f"{error['code']}: {error['message']}{details}"


def fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)
