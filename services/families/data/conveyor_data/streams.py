"""Adapting the binary stream an artifact opens as to what the parsers need: a buffered reader
(to peek at the first bytes, to decode text incrementally) or a seekable file (a ZIP archive,
which an XLSX workbook is, is read from its end)."""

from __future__ import annotations

import io
import shutil
import tempfile
from typing import IO, Any

BUFFER_BYTES = 64 * 1024
SPOOL_BYTES = 8 * 1024 * 1024  # kept in memory up to this, then on local disk
ZIP_MAGIC = b"PK\x03\x04"


class _Raw(io.RawIOBase):
    """Any object with ``read(n)`` as a raw stream."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._stream.close()
        super().close()


def buffered(stream: Any) -> io.BufferedReader:
    if isinstance(stream, io.BufferedReader):
        return stream
    return io.BufferedReader(_Raw(stream), buffer_size=BUFFER_BYTES)


def seekable(stream: Any) -> IO[bytes]:
    """``stream`` itself if it can seek, else a local copy of it (in memory while small)."""
    if isinstance(stream, io.IOBase) and stream.seekable():
        return stream  # type: ignore[return-value]
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (the caller closes it)
    shutil.copyfileobj(stream, spool, BUFFER_BYTES)
    spool.seek(0)
    return spool


def looks_like_zip(stream: io.BufferedReader) -> bool:
    return stream.peek(len(ZIP_MAGIC))[: len(ZIP_MAGIC)] == ZIP_MAGIC
