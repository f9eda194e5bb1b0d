"""GET /api/admin/outbox: what was sent to whom, and what is stuck. Never a message's
body or params (a one-time code)."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery

from lebrq.domain.model.outbox import Channel, MessageKind, OutboxMessage, OutboxStatus
from lebrq.domain.model.pagination import PageRequest
from lebrq.http.pagination import Paginated, paginated, provide_page_request
from lebrq.http.security import admin_only
from lebrq.http.services import Services


class OutboxMessageOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    kind: MessageKind
    channel: Channel
    recipient: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, message: OutboxMessage) -> OutboxMessageOut:
        return cls(
            id=message.id,
            kind=message.kind,
            channel=message.channel,
            recipient=message.recipient,
            status=message.status,
            attempts=message.attempts,
            last_error=message.last_error,
            created_at=message.created_at,
            sent_at=message.sent_at,
        )


class AdminOutboxController(Controller):
    path = "/api/admin"
    tags = ["admin", "notifications"]
    guards = [admin_only]
    dependencies = {"page_request": Provide(provide_page_request, sync_to_thread=False)}

    @get(
        "/outbox",
        summary="Messages to customers, newest first",
        operation_id="listOutboxMessages",
        description=(
            "Every email and SMS the service queued (one-time codes, booking and enrolment messages) "
            "with its delivery state: `pending` (waiting or being retried; `attempts` and `last_error` "
            "tell why), `sent`, or `failed` (refused for good, expired, or out of tries). "
            "Never shows a message's body or code."
        ),
    )
    async def list_outbox(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
        status: FromQuery[OutboxStatus | None] = None,
    ) -> Paginated[OutboxMessageOut]:
        return paginated(await services.outbox.list(status, page_request), OutboxMessageOut.of)
