from __future__ import annotations

import logging

logger = logging.getLogger("lebrq.otp")


class LoggingOtpSender:
    """Development delivery: the code goes to the application log. Real SMS or email
    senders implement the same port."""

    async def send(self, destination: str, code: str) -> None:
        logger.warning("one-time code for %s: %s (logging sender: not delivered)", destination, code)
