"""A closed-loop HTTP load client for a fixed list of requests (asyncio, one process).

wrk runs for a duration; a burst is a fixed number of distinct requests (every declaration booked
once), so this client sends exactly those: `clients` connections at once, each taking the next
request when its answer is in (a new connection per request: gunicorn's sync workers close each
one). The floor it is compared with is measured by the same client in the same run.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Result:
    seconds: float
    latencies_ms: list[float]
    statuses: Counter = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else 0.0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0


async def _one(host: str, port: int, raw: bytes) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()  # to the end: the server closes
        return int(status_line.split()[1]) if status_line else 0
    finally:
        writer.close()


def request_bytes(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _run(host: str, port: int, requests: list[bytes], clients: int) -> Result:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for raw in requests:
        queue.put_nowait(raw)
    result = Result(0.0, [])

    async def client() -> None:
        while True:
            try:
                raw = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            began = time.perf_counter()
            try:
                status = await _one(host, port, raw)
            except OSError:
                status = 0  # connection refused or reset: counted apart, never as a success
            result.latencies_ms.append((time.perf_counter() - began) * 1000)
            result.statuses[status] += 1

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    result.seconds = time.perf_counter() - began
    return result


def run(host: str, port: int, requests: list[bytes], clients: int) -> Result:
    return asyncio.run(_run(host, port, requests, clients))
