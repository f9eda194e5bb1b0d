"""The transactional outbox: messages to customers, written in the same transaction as
the change that causes them, and delivered afterwards by a dispatcher.

A message row holds what to say (`kind` + `params`, rendered from templates when it is
sent), to whom and by which channel, and its delivery state. `params` of a message that
carries a secret (a one-time code) are erased as soon as it leaves `pending`.
"""

from __future__ import annotations

import enum
import random
from datetime import datetime, timedelta

import msgspec

from lebrq.domain.model.tax_documents import DocumentKind

MAX_ERROR_LENGTH = 500


class MessageKind(str, enum.Enum):
    ONE_TIME_CODE = "one_time_code"
    BOOKING_RECEIVED = "booking_received"
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_CANCELLED = "booking_cancelled"
    ENROLMENT_CONFIRMED = "enrolment_confirmed"
    ENROLMENT_CANCELLED = "enrolment_cancelled"

    @property
    def carries_secret(self) -> bool:
        return self is MessageKind.ONE_TIME_CODE


class Channel(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class AttachedDocument(msgspec.Struct, frozen=True, gc=False):
    """A tax document of a booking, attached as its PDF when the message is sent."""

    kind: DocumentKind
    booking_id: int


class NewOutboxMessage(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    kind: MessageKind
    channel: Channel
    recipient: str
    # Template variables, already formatted for display (times in the venue's zone...).
    params: dict[str, str]
    created_at: datetime
    attachment: AttachedDocument | None = None
    # Past this moment the message is useless (a one-time code) and is never sent.
    expires_at: datetime | None = None

    def queued_as(self, message_id: int) -> OutboxMessage:
        """The message as stored: pending, due at once, not tried yet."""
        return OutboxMessage(
            id=message_id,
            kind=self.kind,
            channel=self.channel,
            recipient=self.recipient,
            params=dict(self.params),
            status=OutboxStatus.PENDING,
            attempts=0,
            created_at=self.created_at,
            available_at=self.created_at,
            attachment=self.attachment,
            expires_at=self.expires_at,
        )


class OutboxMessage(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    id: int
    kind: MessageKind
    channel: Channel
    recipient: str
    # None once erased (a sent or expired one-time code).
    params: dict[str, str] | None
    status: OutboxStatus
    attempts: int
    created_at: datetime
    # When the message is next due; while a dispatcher holds it, the end of its lease.
    available_at: datetime
    attachment: AttachedDocument | None = None
    expires_at: datetime | None = None
    last_error: str | None = None
    sent_at: datetime | None = None
    claimed_by: str | None = None


class OutboxFilter(msgspec.Struct, frozen=True, gc=False):
    status: OutboxStatus | None = None


class OutboxStats(msgspec.Struct, frozen=True, gc=False):
    pending: int
    oldest_pending_created_at: datetime | None


class Attachment(msgspec.Struct, frozen=True, gc=False):
    filename: str
    content_type: str
    content: bytes


class OutgoingMessage(msgspec.Struct, frozen=True, gc=False, kw_only=True):
    """What a channel delivers: email uses every part, SMS only `recipient` and `sms_text`."""

    # Stable per outbox message, so a repeated delivery is recognisable (Message-ID).
    reference: str
    recipient: str
    subject: str
    text: str
    html: str
    sms_text: str
    attachments: tuple[Attachment, ...] = ()


class DeliveryFailed(Exception):
    """A channel could not deliver. `permanent`: the receiving side refused this message
    for good (SMTP 5xx, an invalid number); otherwise it is worth trying again later.
    `reason` is what an operator reads; it never holds the message body."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:MAX_ERROR_LENGTH]
        self.permanent = permanent


class RetryPolicy(msgspec.Struct, frozen=True, gc=False):
    """Exponential backoff with full jitter, bounded: a message that still fails after
    `max_attempts` tries is marked failed instead of being retried for ever."""

    first_delay: timedelta = timedelta(seconds=10)
    max_delay: timedelta = timedelta(hours=1)
    max_attempts: int = 12

    def delay_after(self, attempts: int, rng: random.Random | None = None) -> timedelta:
        """Wait before try number `attempts + 1`; a random share (jitter) between half
        and all of the exponential step, so workers that failed together spread out."""
        # The exponent is capped so that a long-lived message never overflows timedelta.
        step = min(self.max_delay, self.first_delay * (1 << min(max(0, attempts - 1), 30)))
        share: float = (rng or random).uniform(0.5, 1.0)
        return step * share
