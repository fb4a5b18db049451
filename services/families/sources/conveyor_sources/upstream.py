"""Calling a configured upstream with its timeouts, and turning its failures into the SDK's
retry decisions:

- a timeout, a refused connection or a 5xx is retried by the queue's policy
  (:class:`UpstreamUnavailable`);
- a 429 waits at least its ``Retry-After`` (:class:`conveyor.RetryAfter`);
- any other 4xx fails at once with the status and an excerpt of the body
  (:class:`conveyor.NonRetryable`).

Imported by workers only (it pulls in httpx).
"""

from __future__ import annotations

import re

import httpx

from conveyor import NonRetryable, RetryAfter
from conveyor_sources.models import FeedSource, HttpSource
from conveyor_sources.secrets import MissingSecret, expand

MAX_BODY_BYTES = 64 * 1024 * 1024  # an answer larger than this is refused, not buffered
EXCERPT_BYTES = 2048  # read of an error answer, to quote it
EXCERPT_CHARS = 300
DEFAULT_RETRY_AFTER_SECONDS = 60  # a 429 that does not say how long to wait
_SPACE = re.compile(r"\s+")


class UpstreamUnavailable(Exception):
    """The upstream timed out, could not be reached or answered 5xx: worth retrying."""


def fetch(source: HttpSource | FeedSource, url: str, *, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """GET ``url`` with the source's headers and timeouts; the body of a 2xx answer."""
    try:
        headers = expand(source.name, source.headers)
    except MissingSecret as error:
        raise NonRetryable(str(error)) from None
    timeout = httpx.Timeout(
        connect=source.timeouts.connect,
        read=source.timeouts.read,
        write=source.timeouts.read,
        pool=source.timeouts.connect,
    )
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            check_status(source.name, url, response)
            return _read_capped(source.name, url, response, max_bytes)
    except httpx.TimeoutException as error:
        raise UpstreamUnavailable(
            f"source {source.name!r}: GET {url} timed out ({type(error).__name__})"
        ) from None
    except httpx.TransportError as error:
        raise UpstreamUnavailable(
            f"source {source.name!r}: GET {url} failed: {type(error).__name__}: {error}"
        ) from None


def check_status(name: str, url: str, response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    said = f"source {name!r}: GET {url} answered {status}"
    if status == httpx.codes.TOO_MANY_REQUESTS:
        raise _retry_after(response.headers.get("Retry-After"), f"{said} (rate limited)")
    excerpt = _excerpt(response)
    if status >= 500:
        raise UpstreamUnavailable(f"{said}: {excerpt}")
    raise NonRetryable(f"{said}: {excerpt}")


def _retry_after(header: str | None, message: str) -> RetryAfter:
    if header:
        try:
            return RetryAfter.from_header(header, message)
        except ValueError:
            pass  # a malformed header still means "wait": fall back to the default
    return RetryAfter(DEFAULT_RETRY_AFTER_SECONDS, message)


def _excerpt(response: httpx.Response) -> str:
    body = b""
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) >= EXCERPT_BYTES:
            break
    text = _SPACE.sub(" ", body[:EXCERPT_BYTES].decode("utf-8", errors="replace")).strip()
    if len(text) > EXCERPT_CHARS:
        text = text[:EXCERPT_CHARS] + "..."
    return text or "(empty body)"


def _read_capped(name: str, url: str, response: httpx.Response, max_bytes: int) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise NonRetryable(
                f"source {name!r}: GET {url} answered more than {max_bytes} bytes; refused"
            )
    return bytes(body)
