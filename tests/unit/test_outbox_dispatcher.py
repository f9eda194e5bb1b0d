"""The dispatcher on in-memory adapters with a hand-moved clock: what is sent, retried,
given up and erased."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from lebrq.adapters.memory.message_channel import RecordingChannel
from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.pdf.renderer import Fpdf2DocumentRenderer
from lebrq.adapters.storage.memory import MemoryBlobStorage
from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.model.message_templates import render
from lebrq.domain.model.outbox import (
    Channel,
    DeliveryFailed,
    MessageKind,
    OutboxFilter,
    OutboxMessage,
    OutboxStatus,
    OutgoingMessage,
    RetryPolicy,
)
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.services.outbox_dispatcher import OutboxDispatcher
from lebrq.domain.services.tax_document_files import TaxDocumentFiles
from tests.support.outbox import T0, NewOutboxMessageFactory

pytestmark = pytest.mark.anyio

CODE_PARAMS = {"code": "482913", "valid_minutes": "5", "seller_name": "LeBRQ"}
BOOKING_PARAMS = {
    "booking_id": "7",
    "venue": "Banyan <Hall> & Co",
    "when": "Tue 01 Dec 2026, 10:00-13:00 IST",
    "total": "1,77,000.00",
    "hold_expires": "Tue 01 Dec 2026, 10:30 IST",
    "payment_reference": "",
    "invoice_number": "",
    "refund_text": "",
    "name": "Asha <script>alert(1)</script>",
    "seller_name": "LeBRQ",
}


class ScriptedChannel(RecordingChannel):
    """Fails with the queued errors first, then records like a real delivery."""

    def __init__(self, *failures: DeliveryFailed) -> None:
        super().__init__()
        self.failures = list(failures)
        self.tries = 0

    async def send(self, message: OutgoingMessage) -> None:
        self.tries += 1
        if self.failures:
            raise self.failures.pop(0)
        await super().send(message)


class World:
    def __init__(self, channel: RecordingChannel, *, max_attempts: int = 4) -> None:
        self.clock = FixedClock(T0)
        self.uow = MemoryUnitOfWorkFactory()
        self.channel = channel
        storage = MemoryBlobStorage()
        self.dispatcher = OutboxDispatcher(
            self.uow,
            {Channel.EMAIL: channel, Channel.SMS: channel},
            self.clock,
            TaxDocumentFiles(self.uow, Fpdf2DocumentRenderer("thread"), storage),
            storage,
            owner="unit",
            lease=timedelta(minutes=2),
            retry=RetryPolicy(first_delay=timedelta(seconds=10), max_attempts=max_attempts),
        )

    async def queue(self, **overrides: object) -> int:
        fields: dict[str, object] = {"params": BOOKING_PARAMS, "created_at": self.clock.now()}
        fields.update(overrides)
        async with self.uow() as uow:
            message = await uow.outbox.add(NewOutboxMessageFactory.build(**fields))
            await uow.commit()
        return message.id

    async def stored(self, message_id: int) -> OutboxMessage:
        async with self.uow(read_only=True) as uow:
            page = await uow.outbox.list(OutboxFilter(), PageRequest.of(1, 100))
        return next(m for m in page.items if m.id == message_id)


async def test_a_due_message_is_sent_once_and_recorded() -> None:
    world = World(RecordingChannel())
    message_id = await world.queue()
    assert await world.dispatcher.dispatch_due() == 1
    assert await world.dispatcher.dispatch_due() == 0
    [sent] = world.channel.sent
    assert sent.recipient == (await world.stored(message_id)).recipient
    assert "Banyan <Hall> & Co" in sent.text and "Banyan &lt;Hall&gt; &amp; Co" in sent.html
    stored = await world.stored(message_id)
    assert stored.status is OutboxStatus.SENT and stored.sent_at == T0 and stored.attempts == 1
    assert stored.params == BOOKING_PARAMS  # not a secret: kept


async def test_a_transient_failure_is_retried_with_growing_jittered_delays() -> None:
    failure = DeliveryFailed("SMTP server unreachable", permanent=False)
    world = World(ScriptedChannel(failure, failure, failure))
    message_id = await world.queue()
    delays = []
    for _ in range(3):
        await world.dispatcher.dispatch_due()
        stored = await world.stored(message_id)
        assert stored.status is OutboxStatus.PENDING and stored.last_error == "SMTP server unreachable"
        delays.append(stored.available_at - world.clock.now())
        world.clock.set(stored.available_at)
    assert timedelta(seconds=5) <= delays[0] <= timedelta(seconds=10)
    assert timedelta(seconds=10) <= delays[1] <= timedelta(seconds=20)
    assert timedelta(seconds=20) <= delays[2] <= timedelta(seconds=40)
    await world.dispatcher.dispatch_due()
    stored = await world.stored(message_id)
    assert stored.status is OutboxStatus.SENT and stored.attempts == 4
    assert len(world.channel.sent) == 1


async def test_a_permanent_refusal_fails_at_once_with_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    world = World(ScriptedChannel(DeliveryFailed("SMTP 550 5.1.1 no such user", permanent=True)))
    message_id = await world.queue()
    await world.dispatcher.dispatch_due()
    world.clock.advance(days=1)
    assert await world.dispatcher.dispatch_due() == 0
    stored = await world.stored(message_id)
    assert stored.status is OutboxStatus.FAILED and stored.last_error == "SMTP 550 5.1.1 no such user"
    assert world.channel.tries == 1
    [line] = [r.getMessage() for r in caplog.records if r.name == "lebrq.outbox"]
    assert f"message {message_id}" in line and "550" in line and "Banyan" not in line


async def test_a_message_that_keeps_failing_is_given_up_after_the_last_try() -> None:
    world = World(ScriptedChannel(*[DeliveryFailed("timed out", permanent=False)] * 10), max_attempts=3)
    message_id = await world.queue()
    for _ in range(5):
        await world.dispatcher.dispatch_due()
        world.clock.advance(hours=2)
    stored = await world.stored(message_id)
    assert stored.status is OutboxStatus.FAILED and stored.attempts == 3
    assert stored.last_error == "gave up after 3 tries: timed out"
    assert world.channel.tries == 3


async def test_a_sent_code_is_erased_from_the_outbox() -> None:
    world = World(RecordingChannel())
    message_id = await world.queue(
        kind=MessageKind.ONE_TIME_CODE, params=CODE_PARAMS, expires_at=T0 + timedelta(minutes=5)
    )
    await world.dispatcher.dispatch_due()
    assert "482913" in world.channel.sent[0].text
    stored = await world.stored(message_id)
    assert stored.status is OutboxStatus.SENT and stored.params is None


async def test_a_code_that_expires_before_delivery_is_never_sent_and_is_erased() -> None:
    failure = DeliveryFailed("SMTP server unreachable", permanent=False)
    world = World(ScriptedChannel(*[failure] * 20), max_attempts=20)
    message_id = await world.queue(
        kind=MessageKind.ONE_TIME_CODE, params=CODE_PARAMS, expires_at=T0 + timedelta(minutes=5)
    )
    while (stored := await world.stored(message_id)).status is OutboxStatus.PENDING:
        # Due again at its expiry at the latest, so it never lingers past it.
        assert stored.available_at <= T0 + timedelta(minutes=5)
        world.clock.set(max(world.clock.now(), stored.available_at))
        await world.dispatcher.dispatch_due()
    assert stored.status is OutboxStatus.FAILED and stored.last_error == "expired before it could be sent"
    assert stored.params is None
    assert world.channel.sent == []


async def test_a_message_for_a_channel_not_configured_fails_with_the_reason() -> None:
    world = World(RecordingChannel())
    world.dispatcher._channels.pop(Channel.SMS)
    message_id = await world.queue(channel=Channel.SMS, recipient="+919876543210")
    await world.dispatcher.dispatch_due()
    stored = await world.stored(message_id)
    assert stored.status is OutboxStatus.FAILED and stored.last_error == "no sms channel is configured"


async def test_a_message_claimed_by_a_worker_that_died_is_sent_after_its_lease() -> None:
    world = World(RecordingChannel())
    message_id = await world.queue()
    async with world.uow() as uow:
        await uow.outbox.claim("worker-killed-mid-send", T0, timedelta(minutes=2), 10)
        await uow.commit()
    assert await world.dispatcher.dispatch_due() == 0
    world.clock.advance(minutes=2)
    assert await world.dispatcher.dispatch_due() == 1
    stored = await world.stored(message_id)
    assert stored.status is OutboxStatus.SENT and stored.attempts == 2


async def test_failure_log_lines_never_hold_a_code(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world = World(ScriptedChannel(DeliveryFailed("SMTP 451 try later", permanent=False)))
    await world.queue(kind=MessageKind.ONE_TIME_CODE, params=CODE_PARAMS, expires_at=T0 + timedelta(minutes=5))
    await world.dispatcher.dispatch_due()
    assert any("SMTP 451" in r.getMessage() for r in caplog.records)
    assert not any("482913" in r.getMessage() for r in caplog.records)


def test_templates_escape_html_and_fill_every_kind() -> None:
    rendered = render(MessageKind.BOOKING_RECEIVED, BOOKING_PARAMS)
    assert "<script>" not in rendered.html and "Asha &lt;script&gt;" in rendered.html
    assert "Asha <script>alert(1)</script>" in rendered.text  # plain text is not HTML
    assert "held for you until Tue 01 Dec 2026, 10:30 IST" in rendered.text
    assert rendered.subject == "Booking #7 received: Banyan <Hall> & Co, Tue 01 Dec 2026, 10:00-13:00 IST"
    code = render(MessageKind.ONE_TIME_CODE, CODE_PARAMS)
    assert "482913" in code.subject and "482913" in code.sms_text and len(code.sms_text) <= 160
    with pytest.raises(KeyError):
        render(MessageKind.BOOKING_CONFIRMED, {"seller_name": "LeBRQ"})


def test_a_subject_is_always_one_line() -> None:
    rendered = render(MessageKind.BOOKING_RECEIVED, {**BOOKING_PARAMS, "venue": "Banyan\r\nBcc: x@example.com"})
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
