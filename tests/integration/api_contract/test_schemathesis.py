"""Schemathesis against the real app (ASGI, SQL adapters on SQLite): every check, every
phase (examples, coverage, fuzzing, stateful), a fixed seed and a bounded number of
examples, with an admin token on admin routes and a user's token elsewhere. Any failure
fails the test, listed with the request that caused it.

The few expectations a schema cannot express are relaxed below in code, each with why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from lebrq.adapters.memory.message_channel import RecordingChannel
from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, recording_channels, sql_adapters_with
from tests.support.booking_factories import item_payload, venue_payload
from tests.support.factories import RegistrationFactory

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.engine import events  # noqa: E402

ADMIN = {"email": "fuzz-admin@lebrq.test", "password": "fuzz-admin-password"}
SEED = 20261130
MAX_EXAMPLES = 12
ADMIN_PATHS = r"^/api/(admin|uploads)/"

# Valid by the schema, refused by a rule between fields or by the state of the world,
# which no JSON schema can state; for these, a 400 to schema-valid input is correct.
CROSS_FIELD_RULES = {
    "createBooking": "start in the future, on a half-hour, end after start, at most 24 h",
    "getVenueAvailability": "`to` after `from`, window at most 92 days",
    "listAllBookings": "`to` after `from`",
    "exportBookingsCsv": "`to` after `from`",
    "listAuditLog": "`to` after `from`",
    "createProgram": "ends_on not before starts_on, start_time a real time, span at most 2 years",
    "updateProgram": "the same rules against the stored program",
    "registerUser": "email and phone are trimmed and lower-cased before their rules (no exact JSON Schema pattern)",
    "requestOtp": "destination: an email address or an E.164 number, trimmed and lower-cased first",
    "verifyOtp": "destination: an email address or an E.164 number, trimmed and lower-cased first",
    "createVenue": "`timezone` must name one of ~600 IANA zones (tzdata's list, not restated in the schema)",
    "updateVenue": "`timezone` must name one of ~600 IANA zones (tzdata's list, not restated in the schema)",
}
# Lists take an opaque `cursor` that only the API gives out (`pagination.next_cursor`): a
# string the fuzzer makes up is rightly 400 naming `cursor`; page/page_size keep their
# schema bounds, which Litestar enforces before the cursor is read.
OPAQUE_CURSOR = (
    "listVenues",
    "listItems",
    "listPrograms",
    "listMyEnrolments",
    "listBookings",
    "listAudioNotes",
    "listGallery",
    "listAllBookings",
    "listBookingItems",
    "exportBookingsCsv",
    "listAuditLog",
    "listUsers",
    "listOutboxMessages",
)
# Uploads check the file's type from its bytes: random bytes are rightly 415.
UPLOADS = ("uploadPoster", "uploadImage", "uploadVideo", "addAudioNote", "uploadProgramPoster", "uploadProgramImages")
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "429"]


@pytest.fixture
def app(tmp_path: Path, sqlite_database_url: str) -> Litestar:
    settings = make_settings(
        tmp_path, sqlite_database_url, admin_email=ADMIN["email"], admin_password=ADMIN["password"]
    )
    return create_app(
        settings,
        adapters=sql_adapters_with(password_hasher=fast_hasher(), channels=recording_channels(RecordingChannel())),
    )


def _seed_and_sign_in(app: Litestar) -> tuple[str, str]:
    """Some catalog rows for the fuzzer to find, an admin token and a user token."""
    with TestClient(app) as client:
        admin = client.post("/api/auth/login", json=ADMIN).json()["access_token"]
        for _ in range(2):
            client.post("/api/admin/venues", json=venue_payload(), headers={"Authorization": f"Bearer {admin}"})
            client.post("/api/admin/items", json=item_payload(), headers={"Authorization": f"Bearer {admin}"})
        user = RegistrationFactory.payload()
        assert client.post("/api/auth/register", json=user).status_code == 201
        token = client.post("/api/auth/login", json={"email": user["email"], "password": user["password"]})
        return admin, token.json()["access_token"]


def _config(admin_token: str, user_token: str) -> Any:
    relaxed = [
        {
            "include-operation-id": operation_id,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "400"]}},
        }
        for operation_id in dict.fromkeys([*CROSS_FIELD_RULES, *OPAQUE_CURSOR])
    ]
    relaxed += [
        {
            "include-operation-id": operation_id,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_STATUSES, "400", "413", "415"]}},
        }
        for operation_id in UPLOADS
    ]
    return schemathesis.config.SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {user_token}"},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": False},
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True, "max-steps": 6},
            },
            "checks": {"enabled": True},
            "operations": [
                {"include-path-regex": ADMIN_PATHS, "headers": {"Authorization": f"Bearer {admin_token}"}},
                *relaxed,
            ],
        }
    )


def test_schemathesis_finds_nothing(app: Litestar) -> None:
    from schemathesis.engine import from_schema
    from schemathesis.python.asgi import shutdown_lifespans

    admin_token, user_token = _seed_and_sign_in(app)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app, config=_config(admin_token, user_token))
    problems: list[str] = []
    tested = 0
    try:
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished):
                tested += 1
                problems += _failures(event)
            elif isinstance(event, events.EngineFinished):
                problems += [f"{failure.title}: {failure.message[:300]}" for failure in event.failures]
            elif isinstance(event, events.NonFatalError | events.FatalError):
                problems.append(f"error: {getattr(event, 'value', None) or getattr(event, 'exception', None)!r}")
    finally:
        shutdown_lifespans()
    assert tested >= 40, f"only {tested} scenarios ran"
    assert not problems, f"{len(problems)} schemathesis failures:\n" + "\n\n".join(problems[:30])


def _failures(event: Any) -> list[str]:
    found = []
    for checks in event.recorder.checks.values():
        for check in checks:
            if check.status.name == "FAILURE" and check.failure_info is not None:
                failure = check.failure_info.failure
                found.append(
                    f"{check.name}: {failure.title} ({failure.message[:300]})\n  {check.failure_info.code_sample}"
                )
    return found
