"""Delivery channels for outgoing messages (email, SMS)."""

from __future__ import annotations

from typing import Protocol

from lebrq.domain.model.outbox import OutgoingMessage


class MessageChannel(Protocol):
    async def send(self, message: OutgoingMessage) -> None:
        """Deliver the message to its recipient, or raise `DeliveryFailed` saying whether
        trying again could help. Must return or raise within its own timeout."""
        ...

    async def close(self) -> None:
        """Release connections; called once when the worker stops."""
        ...
