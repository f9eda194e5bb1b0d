from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from lebrq.adapters.memory.message_channel import RecordingChannel
from lebrq.bootstrap import create_app
from lebrq.settings import Settings, settings_from_env
from tests.support.apps import (
    PER_ADDRESS_LIMITS_OFF,
    TEST_JWT_SECRET,
    fast_hasher,
    recording_channels,
    sql_adapters_with,
)
from tests.support.databases import (
    create_mariadb_database,
    empty_mariadb_tables,
    fresh_sqlite_copy,
    migrated_sqlite_template,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of this test's own."""
    return fresh_sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture(scope="session")
def mariadb_session_url() -> Iterator[str]:
    yield from create_mariadb_database()


@pytest.fixture
def mariadb_database_url(mariadb_session_url: str) -> str:
    """The session's migrated MariaDB database, emptied for this test."""
    empty_mariadb_tables(mariadb_session_url)
    return mariadb_session_url


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def sql_database_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on SQLite and once on MariaDB."""
    fixture = "sqlite_database_url" if request.param == "sqlite" else "mariadb_database_url"
    return request.getfixturevalue(fixture)


# Per-account quotas are off unless a test turns one on (tests/integration/admin test them):
# other tests create many bookings and enrolments as one user.
QUOTAS_OFF = {
    "quota_pending_bookings_per_user": 0,
    "quota_audio_notes_per_booking": 0,
    "quota_audio_note_mb_per_booking": 0,
    "quota_open_enrolments_per_user": 0,
}


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    return settings_from_env(
        {},
        var_dir=str(tmp_path / "var"),
        database_url=database_url,
        jwt_secret=TEST_JWT_SECRET,
        **{**QUOTAS_OFF, **PER_ADDRESS_LIMITS_OFF, **overrides},
    )


@pytest.fixture
def otp_sender() -> RecordingChannel:
    """Every message the `client` app delivers, by email or SMS; `last_code(destination)`
    waits for the code a user would receive."""
    return RecordingChannel()


@pytest.fixture
def settings(tmp_path: Path, sqlite_database_url: str) -> Settings:
    return make_settings(tmp_path, sqlite_database_url)


@pytest.fixture
def client(settings: Settings, otp_sender: RecordingChannel) -> Iterator[TestClient]:
    """The real app over HTTP (Litestar's test client) on a fresh SQLite database."""
    app = create_app(
        settings,
        adapters=sql_adapters_with(password_hasher=fast_hasher(), channels=recording_channels(otp_sender)),
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


class _MariaDbRequirement:
    """With LEBRQ_REQUIRE_MARIADB=1 (CI), a run where MariaDB tests were skipped, or where
    none ran, fails: a green CI must mean the SQL adapter was proven on MariaDB."""

    def __init__(self) -> None:
        self.passed = 0
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if "mariadb" not in report.keywords:
            return
        if report.skipped:
            self.skipped.append(report.nodeid)
        elif report.when == "call" and report.passed:
            self.passed += 1

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.skipped or self.passed == 0:
            reason = f"{len(self.skipped)} skipped" if self.skipped else "none ran"
            print(f"\nMariaDB tests are required here but {reason}: {self.skipped[:5]}")
            session.exitstatus = 1


def pytest_configure(config: pytest.Config) -> None:
    from tests.support.databases import REQUIRE_MARIADB

    if REQUIRE_MARIADB and not config.option.collectonly:
        config.pluginmanager.register(_MariaDbRequirement(), "lebrq-require-mariadb")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that touches MariaDB through any fixture carries the marker, so CI can
    # count it and `-m "not mariadb"` can leave it out locally.
    for item in items:
        if {"mariadb_database_url", "mariadb_session_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.mariadb)
