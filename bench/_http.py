"""What the HTTP benches share: production-like environment, gunicorn, wrk, the ratio table.

- `production_env()`: DEBUG=0, a strong random SECRET_KEY, the bench's settings module, the
  database and Redis of the bench; everything else as a deployment would have it.
- `Server`: gunicorn with 4 sync workers on the bench port (BENCH_PORT, default 8612), started
  and stopped by the bench (only the process group it started).
- `wrk()`: one load run with a Lua script; returns requests/s, p50, p99, non-2xx (wrk counts
  3xx as success: every script is checked once with a plain request first).
- `ratio_table()`: each endpoint next to both floors, as ratios.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8612"))
BASE = f"http://127.0.0.1:{PORT}"
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
# Behind the production proxy every request arrives as HTTPS (SECURE_PROXY_SSL_HEADER).
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "Content-Type": "application/json"}


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production web process, pointed at the bench database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TASKS_MODE=env.get("BENCH_TASKS_MODE", "redis"),
        REDIS_URL=env.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Server:
    """gunicorn, WORKERS sync workers, the bench settings; a context manager."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.log = Path(tempfile.gettempdir()) / f"cuakhau-bench-gunicorn-{PORT}.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        self.process = subprocess.Popen(
            [
                gunicorn, "cuakhau.wsgi:application", "--workers", str(WORKERS), "--worker-class", "sync",
                "--bind", f"127.0.0.1:{PORT}", "--backlog", "2048", "--log-level", "warning",
                "--timeout", "60", "--no-control-socket",
            ],
            cwd=ROOT, env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                post("/bench/floor/read/", {})
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.__exit__()
        raise SystemExit(f"gunicorn did not start; see {self.log}:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the group this bench started
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def post(path: str, body: dict, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """One request, to check what a load script will send (status and JSON reply)."""
    request = urllib.request.Request(
        BASE + path, data=json.dumps(body).encode(), headers={**PROXY_HEADERS, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def lua_post(path: str, body: dict, headers: dict[str, str] | None = None) -> str:
    """A wrk script that POSTs one JSON body with the proxy headers."""
    lines = [
        'wrk.method = "POST"',
        f"wrk.path = {json.dumps(path)}",
        f"wrk.body = {json.dumps(json.dumps(body))}",
    ]
    for name, value in {**PROXY_HEADERS, **(headers or {})}.items():
        lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


@dataclass
class Load:
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    requests: int
    extra: str = ""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(label: str, script: str, *, seconds: int = 10, connections: int = 16, threads: int = 2) -> Load:
    """Run wrk with `script` (Lua) against the bench server; parse its summary."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        [
            "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "30s",
            "-s", handle.name, BASE,
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    Path(handle.name).unlink()
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    extra = re.findall(r"^BENCH (.*)$", out, re.M)
    return Load(
        label, rps, p50, p99, int(bad.group(1)) if bad else 0, requests,
        "; ".join(extra) + (f" socket errors: {errors.group(1)}" if errors else ""),
    )  # fmt: skip


def ratio_table(loads: list[Load], floor_read: Load, floor_write: Load) -> str:
    """Each load with req/s and p50 as ratios of both floors (x read, x write)."""
    head = (
        f"{'endpoint':<28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}"
        f" {'rps/read':>9} {'rps/write':>9} {'p50/read':>9} {'p50/write':>9}"
    )
    rows = [head, "-" * len(head)]
    for load in [floor_read, floor_write, *loads]:
        rows.append(
            f"{load.label:<28} {load.rps:>8.0f} {load.p50_ms:>8.2f} {load.p99_ms:>8.2f} {load.non_2xx:>8}"
            f" {load.rps / floor_read.rps:>8.2f}x {load.rps / floor_write.rps:>8.2f}x"
            f" {load.p50_ms / floor_read.p50_ms:>8.2f}x {load.p50_ms / floor_write.p50_ms:>8.2f}x"
        )
    return "\n".join(rows)


def mean_load(label: str, runs: list[Load]) -> Load:
    """The floor measured before and after the others: their mean (the machine drifts)."""
    n = len(runs)
    return Load(
        label,
        sum(r.rps for r in runs) / n,
        sum(r.p50_ms for r in runs) / n,
        sum(r.p99_ms for r in runs) / n,
        sum(r.non_2xx for r in runs),
        sum(r.requests for r in runs),
    )
