"""A multipart/form-data upload read as it arrives: the ``file`` part's bytes are handed on
piece by piece (no spooling, no whole-file buffer), to a store running in a worker thread."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anyio.from_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

FILE_FIELD = "file"
# room for the boundaries and part headers around the file, and any small fields beside it
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class InvalidUpload(ValueError):
    pass


class MissingFile(ValueError):
    pass


class UploadTooLarge(Exception):
    pass


class MultipartFile:
    def __init__(self, request: Request, boundary: bytes, max_body: int) -> None:
        self._stream: AsyncIterator[bytes] = request.stream().__aiter__()
        self._max_body, self._seen = max_body, 0
        self._headers: dict[str, bytes] = {}
        self._field = self._value = b""
        self._pending: list[bytes] = []
        self._in_file = self.started = self.done = False
        self.filename: str | None = None
        self.content_type: str | None = None
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._headers.clear,
                "on_header_field": self._on_field,
                "on_header_value": self._on_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_data,
                "on_part_end": self._on_part_end,
            },
        )

    @classmethod
    async def open(cls, request: Request, max_file: int) -> MultipartFile:
        """Read up to the file part's headers; refuses a declared length over the limit
        before reading anything."""
        max_body = max_file + MULTIPART_OVERHEAD_BYTES
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            raise UploadTooLarge
        kind, options = parse_options_header(request.headers.get("content-type"))
        if kind != b"multipart/form-data" or not options.get(b"boundary"):
            raise InvalidUpload("the body must be multipart/form-data with a boundary")
        upload = cls(request, options[b"boundary"], max_body)
        while not upload.started:
            if not await upload._feed():
                raise MissingFile(f"the form has no {FILE_FIELD!r} part")
        return upload

    async def next_data(self) -> bytes | None:
        """The file's next bytes, or ``None`` once its part has ended."""
        while not self._pending and not self.done:
            if not await self._feed():
                raise InvalidUpload("the body ended inside the file")
        data = b"".join(self._pending)
        self._pending.clear()
        return data if data or not self.done else None

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes for synchronous code in a worker thread of this request."""
        while (data := anyio.from_thread.run(self.next_data)) is not None:
            yield data

    async def _feed(self) -> bool:
        try:
            chunk = await self._stream.__anext__()
        except StopAsyncIteration:
            return False
        self._seen += len(chunk)
        if self._seen > self._max_body:
            raise UploadTooLarge
        try:
            self._parser.write(chunk)
        except MultipartParseError as error:
            raise InvalidUpload(f"the multipart body cannot be parsed: {error}") from None
        return True

    def _on_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _on_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._field.decode("latin-1").lower()
        self._headers[name] = self._value
        self._field = self._value = b""

    def _on_headers_finished(self) -> None:
        # header values stay bytes: a UTF-8 filename survives the latin-1 round trip
        _, options = parse_options_header(self._headers.get("content-disposition"))
        if options.get(b"name") != FILE_FIELD.encode() or self.started:
            return
        self._in_file = self.started = True
        filename = options.get(b"filename")
        self.filename = filename.decode("utf-8", "replace") if filename else None
        content_type = self._headers.get("content-type")
        self.content_type = content_type.decode("utf-8", "replace") if content_type else None

    def _on_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._pending.append(data[start:end])

    def _on_part_end(self) -> None:
        if self._in_file:
            self._in_file, self.done = False, True
