"""Test data for the outbox (polyfactory), and real message servers for tests: an SMTP
server (aiosmtpd in a thread) and an SMS bridge (an HTTP server in a thread)."""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from polyfactory import Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

from lebrq.domain.model.outbox import Channel, MessageKind, NewOutboxMessage

_serial = itertools.count(1)
T0 = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)


class NewOutboxMessageFactory(MsgspecFactory[NewOutboxMessage]):
    """A booking message to a unique address, queued at T0, no attachment, no expiry."""

    kind = MessageKind.BOOKING_RECEIVED
    channel = Channel.EMAIL
    recipient = Use(lambda: f"guest{next(_serial)}@example.com")
    params = Use(lambda: {"booking_id": str(next(_serial)), "venue": MsgspecFactory.__faker__.company()})
    created_at = T0
    attachment = None
    expires_at = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpInbox:
    """Every message the test SMTP server accepted, parsed; thread-safe."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._arrived = threading.Condition()
        # Refuse these recipients with this SMTP reply (e.g. "550 5.1.1 no such user").
        self.refuse: dict[str, str] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self._arrived:
            self.messages.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, predicate: Callable[[EmailMessage], bool], timeout: float = 15.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for message in self.messages:
                    if predicate(message):
                        return message
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no such mail within {timeout} s; got {[m['Subject'] for m in self.messages]}"
                    )
                self._arrived.wait(left)

    def wait_for_count(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.messages)} of {count} mails within {timeout} s")
                self._arrived.wait(left)

    def to(self, recipient: str) -> list[EmailMessage]:
        with self._arrived:
            return [m for m in self.messages if m["To"] == recipient]


@contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[SmtpInbox, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 in its own thread."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class SmsBridge:
    """A local HTTP endpoint that records what an SMS gateway bridge would receive."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.received: list[dict[str, str]] = []
        self.refused_numbers: set[str] = set()
        self._arrived = threading.Condition()

    def texts_to(self, number: str, timeout: float = 15.0) -> list[str]:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while not any(r["to"] == number for r in self.received):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no SMS to {number} within {timeout} s")
                self._arrived.wait(left)
            return [r["text"] for r in self.received if r["to"] == number]


@contextmanager
def sms_bridge(token: str = "bridge-token-123") -> Iterator[tuple[SmsBridge, str]]:
    bridge = SmsBridge(token)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if self.headers.get("Authorization") != f"Bearer {bridge.token}":
                self._answer(401, {"error": "bad token"})
                return
            payload = json.loads(body)
            if payload["to"] in bridge.refused_numbers:
                # A bridge may echo the request: the service must not record this body.
                self._answer(400, {"error": "invalid number", "echo": payload})
                return
            with bridge._arrived:
                bridge.received.append(payload)
                bridge._arrived.notify_all()
            self._answer(202, {"status": "queued"})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield bridge, f"http://127.0.0.1:{server.server_address[1]}/sms"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_smtp_server() -> Iterator[int]:
    """Accepts connections and never answers: a send hangs until its timeout."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
                accepted.append(connection)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        listener.close()
