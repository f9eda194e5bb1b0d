"""Development delivery: the message goes to the application log. Never wired in
production (settings refuse LEBRQ_ENV=production without a real channel), because the
log line holds the whole text, one-time codes included."""

from __future__ import annotations

import logging

from lebrq.domain.model.outbox import OutgoingMessage

logger = logging.getLogger("lebrq.messages")


class LoggingChannel:
    def __init__(self, *, sms: bool = False) -> None:
        self._sms = sms

    async def send(self, message: OutgoingMessage) -> None:
        text = message.sms_text if self._sms else f"{message.subject}\n{message.text}"
        logger.warning("message for %s (logging channel, not delivered): %s", message.recipient, text)

    async def close(self) -> None:
        return None
