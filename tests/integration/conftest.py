from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.sql.engine import create_engine
from lebrq.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from tests.support.granian_process import granian_service  # noqa: F401 - fixture: real `lebrq serve` processes
from tests.support.s3 import MotoS3, moto_s3_server


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[MotoS3]:
    """moto's standalone S3 server for the whole session (each test makes its own bucket);
    parts may be as small as 1 KiB so small payloads still cross part boundaries."""
    with moto_s3_server(min_part_size=1024) as server:
        yield server


@pytest.fixture(params=["memory", "sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def contract_uow(request: pytest.FixtureRequest) -> AsyncIterator[UnitOfWorkFactory]:
    """One unit-of-work factory per adapter family: repository contract tests take this
    and so run, unchanged, on memory, SQLite and MariaDB."""
    if request.param == "memory":
        yield MemoryUnitOfWorkFactory()
        return
    url = request.getfixturevalue("sqlite_database_url" if request.param == "sqlite" else "mariadb_database_url")
    engine = create_engine(url, pool_size=4, max_overflow=4)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()
