"""Two services on one database (SQLite file, MariaDB): each has its own engine, pool and
dispatcher, as two machines would. 200 queued messages each arrive exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lebrq.bootstrap import build_services, production_adapters
from lebrq.domain.model.outbox import OutboxFilter, OutboxStatus
from lebrq.domain.model.pagination import PageRequest
from tests.conftest import make_settings
from tests.support.outbox import NewOutboxMessageFactory, free_port, smtp_server

pytestmark = pytest.mark.anyio

MESSAGES = 200
PARAMS = {
    "booking_id": "1",
    "venue": "Banyan Hall",
    "when": "Tue 01 Dec 2026, 10:00-13:00 IST",
    "total": "7,080.00",
    "hold_expires": "Tue 01 Dec 2026, 10:30 IST",
    "payment_reference": "",
    "invoice_number": "",
    "refund_text": "",
    "name": "Asha",
    "seller_name": "LeBRQ",
}


async def test_two_services_never_send_one_message_twice(sql_database_url: str, tmp_path: Path) -> None:
    port = free_port()
    settings = make_settings(
        tmp_path,
        sql_database_url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        mail_from="bookings@lebrq.test",
        pdf_render_pool="thread",
        outbox_poll_seconds=0.05,
        outbox_concurrency=4,
    )
    with smtp_server(port) as (inbox, _):
        async with production_adapters(settings) as first, production_adapters(settings) as second:
            one, two = build_services(settings, first), build_services(settings, second)
            now = datetime.now(UTC)
            async with first.uow() as uow:
                for _ in range(MESSAGES):
                    await uow.outbox.add(NewOutboxMessageFactory.build(params=PARAMS, created_at=now))
                await uow.commit()
            runs = [asyncio.create_task(s.outbox_dispatcher.run()) for s in (one, two)]
            try:
                await asyncio.to_thread(inbox.wait_for_count, MESSAGES, 120)
                await asyncio.sleep(1)  # time for a duplicate to show up, if any were sent
            finally:
                for run in runs:
                    run.cancel()
                await asyncio.gather(*runs, return_exceptions=True)
            async with first.uow(read_only=True) as uow:
                sent = await uow.outbox.list(OutboxFilter(OutboxStatus.SENT), PageRequest.of(1, 100))
                backlog = await uow.outbox.stats()
    message_ids = Counter(mail["Message-ID"] for mail in inbox.messages)
    assert len(inbox.messages) == MESSAGES
    assert [mid for mid, n in message_ids.items() if n > 1] == []
    assert sent.total == MESSAGES and backlog.pending == 0
    assert all(m.attempts == 1 for m in sent.items)
