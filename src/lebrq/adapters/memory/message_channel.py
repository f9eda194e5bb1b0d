"""A channel that keeps what it was given, so tests read what a user would receive."""

from __future__ import annotations

import re
import threading
import time

from lebrq.domain.model.outbox import OutgoingMessage

_CODE = re.compile(r"\b(\d{6})\b")


class RecordingChannel:
    """Thread-safe: the app may run in a test client's event-loop thread while the test
    reads from its own thread."""

    def __init__(self) -> None:
        self.sent: list[OutgoingMessage] = []
        self._arrived = threading.Condition()
        self._codes_read: dict[str, int] = {}

    async def send(self, message: OutgoingMessage) -> None:
        with self._arrived:
            self.sent.append(message)
            self._arrived.notify_all()

    async def close(self) -> None:
        return None

    def codes_for(self, destination: str) -> list[str]:
        with self._arrived:
            texts = [m.sms_text for m in self.sent if m.recipient == destination and "sign-in code" in m.sms_text]
        return [match.group(1) for text in texts if (match := _CODE.search(text))]

    def last_code(self, destination: str, timeout: float = 10.0) -> str:
        """The newest code sent to `destination`, waiting (blocking this thread) for one
        that arrived after the previous call for that destination."""
        deadline = time.monotonic() + timeout
        seen = self._codes_read.get(destination, 0)
        with self._arrived:
            while len(self.codes_for(destination)) <= seen:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no new code for {destination} within {timeout} s")
                self._arrived.wait(left)
        codes = self.codes_for(destination)
        self._codes_read[destination] = len(codes)
        return codes[-1]
