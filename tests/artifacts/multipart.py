"""A multipart/form-data body built by hand, so tests can stream it in pieces."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

BOUNDARY = "conveyor-test-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def form(
    pieces: Iterable[bytes], *, name: str = "data.bin", field: str = "file"
) -> Iterator[bytes]:
    yield (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    yield from pieces
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def megabytes(count: int, piece: int = 256 * 1024) -> Iterator[bytes]:
    """``count`` MiB of varying bytes, in pieces."""
    for n in range(count * 1024 * 1024 // piece):
        yield bytes([n % 251]) * piece
