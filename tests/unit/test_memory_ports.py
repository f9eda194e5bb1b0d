"""The in-memory adapters bootstrap offers answer as the ports they stand in for."""

from __future__ import annotations

import pytest

from lebrq.bootstrap import memory_adapters
from lebrq.settings import Settings

pytestmark = pytest.mark.anyio


async def test_memory_adapters_answer_as_their_ports() -> None:
    async with memory_adapters(Settings()) as adapters:
        async with adapters.uow() as uow:
            assert await uow.users.get_by_email("nobody@example.com") is None
            await uow.commit()
        assert await adapters.database.ping()
        hashed = await adapters.password_hasher.hash("correct horse")
        assert await adapters.password_hasher.verify(hashed, "correct horse")
        assert not await adapters.password_hasher.verify(hashed, "wrong")
