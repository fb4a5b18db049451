"""The HTTP client behind every API command: the API's own error message on failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import typer

from conveyor_cli.errors import CliError, fail

DEFAULT_URL = "http://127.0.0.1:8000"
TIMEOUT_SECONDS = 30.0

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar="CONVEYOR_URL",
        help=f"The Conveyor API [default: the running dev stack's, else {DEFAULT_URL}]",
        show_default=False,
    ),
]
KeyOption = Annotated[
    str,
    typer.Option(
        "--api-key", envvar="CONVEYOR_API_KEY", help="An API key (Bearer).", show_default=False
    ),
]


class ApiError(CliError):
    """An error answer of the API, in its one error shape."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{code}: {message}{_details(details)}")
        self.status, self.code, self.details = status, code, details


def _details(details: Any) -> str:
    return "".join(
        f"\n  {'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}"
        for d in details or []
        if isinstance(d, dict)
    )


def _checked(key: str) -> str:
    key = key.strip()
    if not key:
        fail("no API key: set CONVEYOR_API_KEY or pass --api-key")
    if not key.isascii() or not key.isprintable() or " " in key:
        fail("the API key holds characters no HTTP header can carry; check CONVEYOR_API_KEY")
    return key


def _base_url(url: str | None) -> str:
    if url:
        return url
    from conveyor_cli.devstack import stackfile  # the stack this checkout runs, if any

    stack = stackfile.running()
    return stack.api_url if stack is not None else DEFAULT_URL


class ApiClient:
    def __init__(self, url: str | None, key: str) -> None:
        self.url = _base_url(url).rstrip("/")
        self._http = httpx.Client(
            base_url=self.url,
            timeout=TIMEOUT_SECONDS,
            headers={"Authorization": f"Bearer {_checked(key)}"},
        )

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise CliError(f"cannot reach the API at {self.url}: {error}") from error
        if response.is_error:
            raise _error(response)
        return response.json() if response.content else None

    def events(self, path: str) -> Iterator[dict[str, Any]]:
        """The ``data:`` payloads of a Server-Sent Events stream, until it ends."""
        try:
            with self._http.stream("GET", path, timeout=None) as response:
                if response.is_error:
                    response.read()
                    raise _error(response)
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        yield json.loads(line.removeprefix("data:").strip())
        except httpx.HTTPError as error:
            raise CliError(f"lost the API at {self.url}: {error}") from error


def _error(response: httpx.Response) -> ApiError:
    try:
        error = response.json()["error"]
        return ApiError(response.status_code, error["code"], error["message"], error.get("details"))
    except (ValueError, KeyError, TypeError):
        return ApiError(response.status_code, f"HTTP {response.status_code}", response.text[:200])
