from __future__ import annotations


class RecordingOtpSender:
    """Keeps every code it was asked to send, so tests can read the code a user would get."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, destination: str, code: str) -> None:
        self.sent.append((destination, code))

    def last_code(self, destination: str) -> str:
        return next(code for to, code in reversed(self.sent) if to == destination)
