"""Fixtures of the notification tests: recipients with chosen channels, a local SMS gateway."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cuakhau.accounts.models import Profile
from tests import factories


def recipient(
    *, language: str = "vi", email: bool = False, sms: bool = False, phone: str = "0912345678"
) -> Any:
    user = factories.UserFactory()
    Profile.objects.create(user=user, language=language, notify_email=email, notify_sms=sms, phone=phone)
    return user


@dataclass
class Gateway:
    """An SMS gateway on 127.0.0.1 that answers from a script and records every request.

    `script` holds the status of each answer in turn (then 200 forever); the status "block"
    holds the request open until `release` is set, like a gateway that hangs mid-send.
    """

    url: str = ""
    script: list[Any] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: dict[str, Any]) -> Any:
        with self.lock:
            self.requests.append({"headers": headers, "body": body})
            self.received.set()
            return self.script.pop(0) if self.script else 200

    @property
    def keys(self) -> list[str]:
        return [r["headers"].get("Idempotency-Key", "") for r in self.requests]


@pytest.fixture
def sms_gateway() -> Iterator[Gateway]:
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            status = gateway.answer(dict(self.headers.items()), body)
            if status == "block":
                gateway.release.wait(60)
                status = 503
            payload = json.dumps({"ok": status == 200}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client (a killed worker) is gone

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    try:
        yield gateway
    finally:
        gateway.release.set()
        server.shutdown()
        server.server_close()
