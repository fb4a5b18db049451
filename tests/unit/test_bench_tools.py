"""The benchmarks' own tools: the percentile they report and the load generator, against a real
local HTTP server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bench.loadgen import offer
from bench.report import percentile


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the generator expects
    seen: list[tuple[str, str, bytes]] = []

    def _answer(self, status: int) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.seen.append((self.command, self.path, self.rfile.read(length)))
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(200 if self.path == "/ok" else 404)

    def do_POST(self) -> None:
        self._answer(201)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_the_load_generator_sends_what_it_is_given_and_counts_failures(server: str) -> None:
    requests: list[dict[str, Any]] = [
        {"method": "POST", "path": "/jobs", "body": '{"a": 1}', "headers": {"X-Key": "k"}},
        {"method": "GET", "path": "/missing"},
    ]
    load = offer(server, requests, rate=40, seconds=0.5, connections=2)
    assert len(_Handler.seen) == 20
    assert ("POST", "/jobs", b'{"a": 1}') in _Handler.seen
    assert load.failures == 10  # the 404s
    assert load.p50 > 0
