"""Delivers queued messages: claim, send, record. One dispatcher runs in every worker.

- Claims are leases (see `OutboxRepository.claim`): no two dispatchers, in one process or
  on two machines, hold one message at a time; a message whose dispatcher died is
  claimed again once its lease runs out. Each delivery (rendering the attachment
  included) is cut off at half the lease, so a lease never runs out under a live send.
- A message is recorded as sent only after its channel accepted it: delivery is at
  least once, and once in normal operation (a worker killed between the send and the
  record sends it again; the email keeps its Message-ID, so mail clients fold the two).
- A refusal the channel calls permanent (SMTP 5xx, an invalid number) fails the message
  with its reason; anything else is tried again after an exponential, jittered delay,
  up to `RetryPolicy.max_attempts` tries. A message that expires first (a one-time code)
  fails as expired. The params of a message that carries a secret are erased when it
  leaves `pending`, whichever way.
- One log line per failed try, naming the message, never its body or params.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from contextlib import aclosing
from datetime import timedelta
from typing import Protocol

from lebrq.domain.model.errors import NotFound
from lebrq.domain.model.message_templates import render
from lebrq.domain.model.outbox import (
    AttachedDocument,
    Attachment,
    Channel,
    DeliveryFailed,
    OutboxMessage,
    OutgoingMessage,
    RetryPolicy,
)
from lebrq.domain.services.tax_document_files import TaxDocumentFiles
from lebrq.ports.blob_storage import BlobStorage
from lebrq.ports.clock import Clock
from lebrq.ports.messaging import MessageChannel
from lebrq.ports.unit_of_work import UnitOfWorkFactory

logger = logging.getLogger("lebrq.outbox")


class DeliveryOutcomes(Protocol):
    """Where the dispatcher reports each try (metrics)."""

    def count_message(self, *, kind: str, channel: str, outcome: str) -> None: ...


class OutboxDispatcher:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        channels: Mapping[Channel, MessageChannel],
        clock: Clock,
        documents: TaxDocumentFiles,
        storage: BlobStorage,
        *,
        owner: str,
        lease: timedelta = timedelta(minutes=2),
        retry: RetryPolicy | None = None,
        concurrency: int = 4,
        poll_seconds: float = 5.0,
        outcomes: DeliveryOutcomes | None = None,
    ) -> None:
        self._uow = uow
        self._channels = dict(channels)
        self._clock = clock
        self._documents = documents
        self._storage = storage
        self.owner = owner
        self._lease = lease
        self._retry = retry or RetryPolicy()
        self._concurrency = concurrency
        self._poll_seconds = poll_seconds
        self._outcomes = outcomes
        self._wakeup = asyncio.Event()

    @property
    def channels(self) -> frozenset[Channel]:
        return frozenset(self._channels)

    def wake(self) -> None:
        """Something was queued: look now instead of at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Deliver until cancelled: a round whenever woken, at least every `poll_seconds`."""
        while True:
            self._wakeup.clear()
            try:
                claimed = await self.dispatch_due()
            except Exception as exc:  # database down: try again next round
                logger.warning("outbox: could not claim messages: %s: %s", type(exc).__name__, exc)
                claimed = 0
            if claimed >= self._concurrency:
                continue  # probably more waiting
            try:
                async with asyncio.timeout(self._poll_seconds):
                    await self._wakeup.wait()
            except TimeoutError:
                pass

    async def dispatch_due(self) -> int:
        """One round: claim up to `concurrency` due messages and deliver them side by
        side. Returns how many were claimed."""
        async with self._uow() as uow:
            batch = await uow.outbox.claim(self.owner, self._clock.now(), self._lease, self._concurrency)
            await uow.commit()
        if batch:
            async with asyncio.TaskGroup() as group:
                for message in batch:
                    group.create_task(self._deliver_logged(message))
        return len(batch)

    async def _deliver_logged(self, message: OutboxMessage) -> None:
        """One message's failure (say, the database gone while recording its outcome)
        must not cancel the deliveries beside it."""
        try:
            await self._deliver(message)
        except Exception as exc:  # the outcome could not be recorded
            logger.warning(
                "outbox: message %d: outcome not recorded (%s: %s); tried again when its lease runs out",
                message.id,
                type(exc).__name__,
                exc,
            )

    async def _deliver(self, message: OutboxMessage) -> None:
        now = self._clock.now()
        if message.expires_at is not None and message.expires_at <= now:
            await self._give_up(message, "expired before it could be sent", outcome="expired")
            return
        channel = self._channels.get(message.channel)
        if channel is None:
            await self._give_up(message, f"no {message.channel.value} channel is configured")
            return
        if message.params is None:
            await self._give_up(message, "its content was erased")
            return
        try:
            async with asyncio.timeout(self._lease.total_seconds() / 2):
                await channel.send(await self._compose(message))
        except DeliveryFailed as failure:
            await self._failed_try(message, failure.reason, permanent=failure.permanent)
        except NotFound as missing:
            await self._failed_try(message, f"attachment missing: {missing.message}", permanent=True)
        except TimeoutError:
            await self._failed_try(message, "timed out", permanent=False)
        except Exception as exc:  # storage, renderer...: worth another try
            await self._failed_try(message, f"{type(exc).__name__}: {exc}", permanent=False)
        else:
            await self._record_sent(message)

    async def _compose(self, message: OutboxMessage) -> OutgoingMessage:
        assert message.params is not None
        rendered = render(message.kind, message.params)
        attachments: tuple[Attachment, ...] = ()
        if message.attachment is not None and message.channel is Channel.EMAIL:
            attachments = (await self._attachment(message.attachment),)
        return OutgoingMessage(
            reference=f"{message.id}.{int(message.created_at.timestamp())}",
            recipient=message.recipient,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            sms_text=rendered.sms_text,
            attachments=attachments,
        )

    async def _attachment(self, document: AttachedDocument) -> Attachment:
        """The document's PDF as stored (rendered first if it is not yet), read in chunks."""
        stored = await self._documents.pdf_for_booking(
            document.booking_id, document.kind, caller_id=0, caller_is_admin=True
        )
        chunks = []
        async with aclosing(self._storage.read(stored.key)) as stream:
            async for chunk in stream:
                chunks.append(chunk)
        return Attachment(filename=stored.filename, content_type="application/pdf", content=b"".join(chunks))

    async def _record_sent(self, message: OutboxMessage) -> None:
        async with self._uow() as uow:
            await uow.outbox.mark_sent(
                message.id, self.owner, self._clock.now(), erase_params=message.kind.carries_secret
            )
            await uow.commit()
        self._count(message, "sent")

    async def _failed_try(self, message: OutboxMessage, reason: str, *, permanent: bool) -> None:
        if permanent:
            await self._give_up(message, reason)
            return
        if message.attempts >= self._retry.max_attempts:
            await self._give_up(message, f"gave up after {message.attempts} tries: {reason}")
            return
        delay = self._retry.delay_after(message.attempts)
        due = self._clock.now() + delay
        if message.expires_at is not None:
            # Claimed again by its expiry at the latest, so an expired code is erased.
            due = min(due, message.expires_at)
        _log_failure(message, reason, f"tries again in {delay.total_seconds():.1f} s")
        async with self._uow() as uow:
            await uow.outbox.retry_later(message.id, self.owner, due, reason)
            await uow.commit()
        self._count(message, "retried")

    async def _give_up(self, message: OutboxMessage, reason: str, *, outcome: str = "failed") -> None:
        _log_failure(message, reason, "not tried again")
        async with self._uow() as uow:
            await uow.outbox.mark_failed(message.id, self.owner, reason, erase_params=message.kind.carries_secret)
            await uow.commit()
        self._count(message, outcome)

    def _count(self, message: OutboxMessage, outcome: str) -> None:
        if self._outcomes is not None:
            self._outcomes.count_message(kind=message.kind.value, channel=message.channel.value, outcome=outcome)


def _log_failure(message: OutboxMessage, reason: str, next_step: str) -> None:
    # Names the message, never its body or params (a one-time code must not reach a log).
    logger.warning(
        "outbox: message %d (%s by %s) not delivered on try %d: %s; %s",
        message.id,
        message.kind.value,
        message.channel.value,
        message.attempts,
        reason,
        next_step,
    )
