"""An open-loop HTTP load generator, run as a process of its own so it never shares the api's
interpreter: ``python -m bench.loadgen SPEC.json`` prints the latencies as JSON.

Request ``n`` is due at ``start + n / rate``; each connection takes the next due request when
it is free, and a request's latency runs from when it was due, so a server that falls behind
shows its queueing in the figures instead of slowing the generator down (no coordinated
omission). The client is a few lines of HTTP/1.1 keep-alive over asyncio streams: httpx's own
work per request would cost as much CPU as the api's on this machine."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Spec:
    host: str
    port: int
    rate: float
    seconds: float
    connections: int
    requests: list[dict[str, Any]]  # method, path, body (JSON text or ""), headers; cycled

    @property
    def total(self) -> int:
        return int(self.rate * self.seconds)


def _encode(spec: Spec, request: dict[str, Any]) -> bytes:
    body = str(request.get("body", "")).encode()
    lines = [f"{request['method']} {request['path']} HTTP/1.1", f"Host: {spec.host}:{spec.port}"]
    lines += [f"{name}: {value}" for name, value in request.get("headers", {}).items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _connection(
    spec: Spec, wire: list[bytes], due: itertools.count[int], start: float, out: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection(spec.host, spec.port)
    loop = asyncio.get_running_loop()
    # an overloaded server would stretch the run without end: what is not sent by then is not
    # served (it counts as failed)
    deadline = start + 2 * spec.seconds + 1
    try:
        for n in due:
            if n >= spec.total or loop.time() > deadline:
                return
            at = start + n / spec.rate
            delay = at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(wire[n % len(wire)])
            status = await _response(reader)
            out["latencies"].append(loop.time() - at)
            out["statuses"][str(status)] = out["statuses"].get(str(status), 0) + 1
    finally:
        writer.close()


async def run(spec: Spec) -> dict[str, Any]:
    wire = [_encode(spec, r) for r in spec.requests]
    out: dict[str, Any] = {"latencies": [], "statuses": {}}
    due = itertools.count()
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2  # every connection open before the first request is due
    began = time.perf_counter()
    await asyncio.gather(
        *(_connection(spec, wire, due, start, out) for _ in range(spec.connections))
    )
    out["elapsed"] = time.perf_counter() - began - 0.2
    return out


@dataclass(frozen=True)
class Load:
    """What one offered load got: the rate served, its latencies (ms), the failures."""

    offered: float
    served: float
    p50: float
    p95: float
    p99: float
    failures: int

    def __str__(self) -> str:
        return (
            f"offered {self.offered:5.0f}/s served {self.served:6.0f}/s "
            f"p50 {self.p50:6.1f} p95 {self.p95:6.1f} p99 {self.p99:7.1f} ms"
            + (f", {self.failures} failed" if self.failures else "")
        )


def offer(
    url: str,
    requests: list[dict[str, Any]],
    rate: float,
    seconds: float,
    connections: int = 32,
) -> Load:
    """Offer ``rate`` requests per second for ``seconds`` from a generator process."""
    from bench.report import percentile

    host, _, port = url.removeprefix("http://").partition(":")
    spec = Spec(host, int(port), rate, seconds, connections, requests)
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(asdict(spec), f)
        f.flush()
        done = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", f.name], capture_output=True, check=True
        )
    out = json.loads(done.stdout)
    latencies = [1000 * s for s in out["latencies"]] or [float("nan")]
    ok = sum(n for status, n in out["statuses"].items() if status.startswith("2"))
    return Load(
        rate,
        ok / out["elapsed"],
        percentile(latencies, 50),
        percentile(latencies, 95),
        percentile(latencies, 99),
        spec.total - ok,
    )


def main(path: str) -> None:
    with open(path) as f:
        spec = Spec(**json.load(f))
    try:
        import uvloop
    except ImportError:
        print(json.dumps(asyncio.run(run(spec))))
    else:
        print(json.dumps(uvloop.run(run(spec))))


if __name__ == "__main__":
    main(sys.argv[1])
