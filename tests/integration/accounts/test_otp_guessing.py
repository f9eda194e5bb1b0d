"""Parallel guesses of a one-time code: every guess is counted, at most five are ever
compared, and the code locks; on SQLite and on MariaDB."""

from __future__ import annotations

import asyncio
from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa

from lebrq.adapters.memory.message_channel import RecordingChannel
from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, recording_channels, sql_adapters_with
from tests.support.asgi import concurrent_client

pytestmark = pytest.mark.anyio

DESTINATION = "+919812345678"


async def test_twenty_parallel_wrong_guesses_record_twenty_failures_and_lock(
    tmp_path: Path, sql_database_url: str, otp_sender: RecordingChannel, database: sa.Engine
) -> None:
    settings = make_settings(tmp_path, sql_database_url, db_pool_size=8, db_max_overflow=8)
    app = create_app(
        settings, adapters=sql_adapters_with(password_hasher=fast_hasher(), channels=recording_channels(otp_sender))
    )
    async with concurrent_client(app) as client:
        assert (await client.post("/api/auth/otp/request", json={"destination": DESTINATION})).status_code == 202
        # The app delivers on this event loop: wait for the code in a thread, never block the loop.
        right = await anyio.to_thread.run_sync(otp_sender.last_code, DESTINATION)
        wrong = [f"{(int(right) + n) % 1_000_000:06d}" for n in range(1, 21)]
        answers = await asyncio.gather(
            *(client.post("/api/auth/otp/verify", json={"destination": DESTINATION, "code": code}) for code in wrong)
        )
        statuses = sorted(answer.status_code for answer in answers)
        assert statuses == [401] * 5 + [429] * 15
        with database.connect() as connection:
            recorded = connection.execute(
                sa.text("SELECT failed_attempts FROM otp_codes WHERE destination = :d"), {"d": DESTINATION}
            ).scalar_one()
        assert recorded == 20
        late = await client.post("/api/auth/otp/verify", json={"destination": DESTINATION, "code": right})
        assert late.status_code == 429
        assert int(late.headers["Retry-After"]) > 0


async def test_the_right_code_sent_twice_in_parallel_signs_in_once(
    tmp_path: Path, sql_database_url: str, otp_sender: RecordingChannel
) -> None:
    settings = make_settings(tmp_path, sql_database_url, db_pool_size=4, db_max_overflow=4)
    app = create_app(
        settings, adapters=sql_adapters_with(password_hasher=fast_hasher(), channels=recording_channels(otp_sender))
    )
    async with concurrent_client(app) as client:
        await client.post("/api/auth/otp/request", json={"destination": DESTINATION})
        code = await anyio.to_thread.run_sync(otp_sender.last_code, DESTINATION)
        body = {"destination": DESTINATION, "code": code}
        answers = await asyncio.gather(*(client.post("/api/auth/otp/verify", json=body) for _ in range(4)))
        assert sorted(answer.status_code for answer in answers) == [200, 401, 401, 401]
