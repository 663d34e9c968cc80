"""ДЕМОНСТРАЦИОННЫЙ получатель: a loopback stand-in for ЕГИСЗ РЭМД, СФР, ФГИС ФРИ, военкомат, ЕПГУ and ТФОМС.

It is NOT any state system and talks to none: it only lets the outbox worker deliver somewhere real over HTTP in
the demo (`mse run`) and in tests. It behaves like a well-mannered receiver should:
  POST /{recipient}/messages  stores each message once per Idempotency-Key: 201 with a new receipt the first time,
                              200 with the same receipt on a repeat (a redelivery changes nothing);
  GET  /{recipient}/messages  lists what it holds (metadata only: keys, topics, receipts, sizes — not the contents).
Switches for tests: fail the next N requests with 503, reject every request with a 4xx, answer slowly.
Standard library only (ThreadingHTTPServer in a daemon thread), so it starts in milliseconds on port 0.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

PEER_TITLE = "Демонстрационный получатель сообщений МСЭ (не государственная информационная система)"
RECIPIENTS = ("mo", "sfr", "fri", "military", "epgu", "foms")
_PATH = re.compile(r"^/([a-z][a-z0-9_-]{0,31})/messages/?$")
MAX_BODY = 20 * 1024 * 1024


@dataclass(frozen=True)
class StoredMessage:
    recipient: str
    idempotency_key: str
    receipt_id: str
    topic: str | None
    message_id: str | None
    received_at: datetime
    sha256: str
    size: int
    body: Any

    def summary(self) -> dict[str, Any]:
        return {"receipt_id": self.receipt_id, "idempotency_key": self.idempotency_key, "topic": self.topic,
                "message_id": self.message_id, "received_at": self.received_at.isoformat(), "sha256": self.sha256,
                "size": self.size}


class PeerState:
    """What the peer holds and how it misbehaves; shared by the handler threads under one lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stored: dict[tuple[str, str], StoredMessage] = {}
        self.requests: Counter[str] = Counter()  # POSTs per Idempotency-Key, repeats included
        self.fail_remaining = 0
        self.fail_status = 503
        self.reject_status: int | None = None
        self.delay = 0.0

    def decide(self, key: str) -> int | None:
        """A forced answer for this request, if a switch says so."""
        with self.lock:
            self.requests[key] += 1
            if self.fail_remaining > 0:
                self.fail_remaining -= 1
                return self.fail_status
            return self.reject_status

    def store(self, recipient: str, key: str, headers: Any, raw: bytes, body: Any) -> tuple[StoredMessage, bool]:
        with self.lock:
            existing = self.stored.get((recipient, key))
            if existing is not None:
                return existing, False
            n = sum(1 for r, _ in self.stored if r == recipient) + 1
            msg = StoredMessage(recipient=recipient, idempotency_key=key, receipt_id=f"{recipient}-{n:06d}",
                                topic=headers.get("X-MSE-Topic"), message_id=headers.get("X-MSE-Message-Id"),
                                received_at=datetime.now(UTC), sha256=hashlib.sha256(raw).hexdigest(), size=len(raw), body=body)
            self.stored[(recipient, key)] = msg
            return msg, True


def _handler(state: PeerState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "mse-demo-peer/1"

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the demo server's console belongs to `mse run`

        def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(data, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            match = _PATH.match(self.path.split("?")[0])
            if self.path in ("/", ""):
                self._json(200, {"title": PEER_TITLE, "recipients": list(RECIPIENTS)})
                return
            if not match:
                self._json(404, {"detail": "Нет такого адреса"})
                return
            with state.lock:
                held = [m.summary() for (r, _), m in state.stored.items() if r == match.group(1)]
            self._json(200, {"title": PEER_TITLE, "recipient": match.group(1), "messages": held})

        def do_POST(self) -> None:
            match = _PATH.match(self.path.split("?")[0])
            length = int(self.headers.get("Content-Length") or 0)
            if not match or length > MAX_BODY:
                self._json(404 if not match else 413, {"detail": "Нет такого адреса" if not match else "Слишком большое сообщение"})
                return
            raw = self.rfile.read(length)
            key = (self.headers.get("Idempotency-Key") or "").strip()
            if not key:
                self._json(400, {"detail": "Нет заголовка Idempotency-Key"})
                return
            forced = state.decide(key)
            if state.delay:
                time.sleep(state.delay)
            if forced is not None:
                self._json(forced, {"detail": f"Демонстрационный получатель: принудительный ответ {forced}"})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._json(400, {"detail": "Тело сообщения — не JSON"})
                return
            msg, created = state.store(match.group(1), key, self.headers, raw, body)
            self._json(201 if created else 200, {"receipt_id": msg.receipt_id, "duplicate": not created},
                       {"X-Receipt-Id": msg.receipt_id})

    return Handler


class DemoPeer:
    """Start with `DemoPeer().start()` (port 0 picks a free port) or as a context manager; `endpoints()` is what
    HttpDelivery / MSE_DELIVERY_ENDPOINTS need."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = PeerState()
        self._server = ThreadingHTTPServer((host, port), _handler(self.state))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{self.port}"

    def endpoint(self, recipient: str) -> str:
        return f"{self.url}/{recipient}/messages"

    def endpoints(self, recipients: tuple[str, ...] = RECIPIENTS) -> dict[str, str]:
        return {r: self.endpoint(r) for r in recipients}

    def start(self) -> DemoPeer:
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"mse-demo-peer:{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # ---- switches and inspection (tests)
    def fail_next(self, n: int, status: int = 503) -> None:
        with self.state.lock:
            self.state.fail_remaining, self.state.fail_status = n, status

    def reject_all(self, status: int | None = 400) -> None:
        with self.state.lock:
            self.state.reject_status = status

    def slow_down(self, seconds: float) -> None:
        self.state.delay = seconds

    def messages(self, recipient: str | None = None) -> list[StoredMessage]:
        with self.state.lock:
            return [m for (r, _), m in self.state.stored.items() if recipient is None or r == recipient]

    def request_count(self, key: str | None = None) -> int:
        with self.state.lock:
            return self.state.requests[key] if key is not None else sum(self.state.requests.values())

    def __enter__(self) -> DemoPeer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
