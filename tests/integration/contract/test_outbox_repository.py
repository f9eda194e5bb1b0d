"""The outbox repository contract, on memory, SQLite and MariaDB."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from lebrq.domain.model.outbox import AttachedDocument, MessageKind, OutboxFilter, OutboxStatus
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.tax_documents import DocumentKind
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from tests.support.outbox import T0, NewOutboxMessageFactory

pytestmark = pytest.mark.anyio

LEASE = timedelta(minutes=2)


async def queue(uow_factory: UnitOfWorkFactory, count: int = 1, **overrides: object) -> list[int]:
    async with uow_factory() as uow:
        ids = [(await uow.outbox.add(NewOutboxMessageFactory.build(**overrides))).id for _ in range(count)]
        await uow.commit()
    return ids


async def claim(uow_factory: UnitOfWorkFactory, owner: str, at=T0, limit: int = 10):  # type: ignore[no-untyped-def]
    async with uow_factory() as uow:
        claimed = await uow.outbox.claim(owner, at, LEASE, limit)
        await uow.commit()
    return claimed


async def test_a_message_reads_back_as_queued(contract_uow: UnitOfWorkFactory) -> None:
    new = NewOutboxMessageFactory.build(
        kind=MessageKind.BOOKING_CONFIRMED,
        attachment=AttachedDocument(DocumentKind.TAX_INVOICE, 42),
        expires_at=T0 + timedelta(minutes=5),
    )
    async with contract_uow() as uow:
        added = await uow.outbox.add(new)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        page = await uow.outbox.list(OutboxFilter(), PageRequest())
    assert page.items == [added]
    assert added.status is OutboxStatus.PENDING and added.attempts == 0
    assert added.params == new.params and added.attachment == new.attachment
    assert added.created_at == T0 and added.available_at == T0 and added.expires_at == new.expires_at


async def test_a_rolled_back_change_leaves_no_message(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        await uow.outbox.add(NewOutboxMessageFactory.build())
        # no commit: the change that caused the message did not happen
    async with contract_uow(read_only=True) as uow:
        assert (await uow.outbox.stats()).pending == 0


async def test_claim_leases_due_messages_oldest_first_and_counts_the_try(contract_uow: UnitOfWorkFactory) -> None:
    later = await queue(contract_uow, created_at=T0 + timedelta(seconds=5))
    first = await queue(contract_uow)
    not_yet_due = await queue(contract_uow, created_at=T0 + timedelta(hours=1))
    claimed = await claim(contract_uow, "worker-a", at=T0 + timedelta(seconds=10))
    assert sorted(m.id for m in claimed) == sorted(first + later)
    assert not set(not_yet_due) & {m.id for m in claimed}
    for message in claimed:
        assert message.claimed_by == "worker-a"
        assert message.attempts == 1
        assert message.available_at == T0 + timedelta(seconds=10) + LEASE
    # Leased: nobody else gets them until the lease runs out.
    assert await claim(contract_uow, "worker-b", at=T0 + timedelta(seconds=11)) == []
    retaken = await claim(contract_uow, "worker-b", at=T0 + timedelta(seconds=10) + LEASE)
    assert {m.id for m in retaken} == set(first + later)
    assert all(m.attempts == 2 and m.claimed_by == "worker-b" for m in retaken)


async def test_claim_takes_at_most_the_limit(contract_uow: UnitOfWorkFactory) -> None:
    await queue(contract_uow, 5)
    assert len(await claim(contract_uow, "a", limit=3)) == 3
    assert len(await claim(contract_uow, "b", limit=3)) == 2


async def test_only_the_lease_holder_records_the_outcome(contract_uow: UnitOfWorkFactory) -> None:
    [message_id] = await queue(contract_uow, kind=MessageKind.ONE_TIME_CODE, params={"code": "123456"})
    await claim(contract_uow, "dead-worker")
    await claim(contract_uow, "live-worker", at=T0 + LEASE)
    async with contract_uow() as uow:
        assert not await uow.outbox.mark_sent(message_id, "dead-worker", T0, erase_params=True)
        assert await uow.outbox.mark_sent(message_id, "live-worker", T0 + LEASE, erase_params=True)
        # Once sent it is settled: a late second outcome changes nothing.
        assert not await uow.outbox.mark_failed(message_id, "live-worker", "late", erase_params=True)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        [sent] = (await uow.outbox.list(OutboxFilter(), PageRequest())).items
    assert sent.status is OutboxStatus.SENT and sent.sent_at == T0 + LEASE
    assert sent.params is None and sent.claimed_by is None and sent.last_error is None


async def test_failed_and_retried_messages(contract_uow: UnitOfWorkFactory) -> None:
    refused, flaky = await queue(contract_uow, 2)
    await claim(contract_uow, "w")
    async with contract_uow() as uow:
        assert await uow.outbox.mark_failed(refused, "w", "SMTP 550 no such user " + "x" * 600, erase_params=False)
        assert await uow.outbox.retry_later(flaky, "w", T0 + timedelta(minutes=1), "SMTP server unreachable")
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        failed = (await uow.outbox.list(OutboxFilter(OutboxStatus.FAILED), PageRequest())).items
        pending = (await uow.outbox.list(OutboxFilter(OutboxStatus.PENDING), PageRequest())).items
    assert [m.id for m in failed] == [refused]
    assert failed[0].last_error.startswith("SMTP 550") and len(failed[0].last_error) == 500
    assert failed[0].params is not None  # not a secret: kept
    assert [m.id for m in pending] == [flaky]
    assert pending[0].available_at == T0 + timedelta(minutes=1) and pending[0].claimed_by is None
    assert await claim(contract_uow, "w", at=T0 + timedelta(seconds=59)) == []
    assert [m.id for m in await claim(contract_uow, "w", at=T0 + timedelta(minutes=1))] == [flaky]


async def test_list_is_newest_first_by_status_and_stats_count_pending(contract_uow: UnitOfWorkFactory) -> None:
    ids = []
    for minute in range(5):
        ids += await queue(contract_uow, created_at=T0 + timedelta(minutes=minute))
    await claim(contract_uow, "w", limit=1)  # the oldest
    async with contract_uow() as uow:
        await uow.outbox.mark_sent(ids[0], "w", T0, erase_params=False)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        everything = await uow.outbox.list(OutboxFilter(), PageRequest.of(1, 2))
        second = await uow.outbox.list(OutboxFilter(), PageRequest.of(2, 2))
        pending = await uow.outbox.list(OutboxFilter(OutboxStatus.PENDING), PageRequest())
        stats = await uow.outbox.stats()
    assert [m.id for m in everything.items + second.items] == ids[::-1][:4]
    assert everything.total == 5 and pending.total == 4
    assert stats.pending == 4 and stats.oldest_pending_created_at == T0 + timedelta(minutes=1)


async def test_concurrent_claimers_never_share_a_message(contract_uow: UnitOfWorkFactory) -> None:
    queued = set(await queue(contract_uow, 60))

    async def claimer(owner: str) -> list[int]:
        taken: list[int] = []
        while batch := await claim(contract_uow, owner, limit=3):
            taken += [m.id for m in batch]
        return taken

    results = await asyncio.gather(*(claimer(f"w{n}") for n in range(4)))
    every = [message_id for taken in results for message_id in taken]
    assert sorted(every) == sorted(queued)  # each claimed exactly once


async def test_params_round_trip_any_text(contract_uow: UnitOfWorkFactory) -> None:
    params = {"venue": 'Banyan "Hall" <b>&</b> हॉल', "when": "Tue 01 Dec 2026, 10:00-13:00 IST"}
    await queue(contract_uow, params=params)
    [claimed] = await claim(contract_uow, "w")
    assert claimed.params == params
