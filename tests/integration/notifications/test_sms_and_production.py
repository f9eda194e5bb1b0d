"""SMS through a local HTTP bridge, and production's rules: a real channel or no start,
and no one-time code in any log line."""

from __future__ import annotations

import logging
import logging.config
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from litestar.testing import TestClient

from lebrq.bootstrap import create_app
from lebrq.server.json_logs import logging_config
from lebrq.settings import Settings, SettingsError
from tests.conftest import make_settings
from tests.integration.notifications.conftest import mail_settings, outbox_when
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.outbox import SmtpInbox, sms_bridge

PHONE = "+919812345678"


@contextmanager
def server_logging(level: str) -> Iterator[None]:
    """The logging `lebrq serve` gives each worker, for this block only: the loggers it
    configures, the hooks its handler installs and the root's handlers come back after."""
    config = logging_config(level)
    names = [None, *config["loggers"]]
    saved = {
        name: (logger.handlers[:], logger.level, logger.propagate, logger.disabled)
        for name in names
        for logger in [logging.getLogger(name)]
    }
    hooks = (sys.excepthook, threading.excepthook)
    logging.config.dictConfig(config)
    try:
        yield
    finally:
        for name, (handlers, level_, propagate, disabled) in saved.items():
            logger = logging.getLogger(name)
            for handler in logger.handlers:
                if handler not in handlers:
                    handler.close()
            logger.handlers[:] = handlers
            logger.setLevel(level_)
            logger.propagate = propagate
            logger.disabled = disabled
        sys.excepthook, threading.excepthook = hooks
        logging.captureWarnings(False)


def app_client(settings: Settings) -> TestClient:
    return TestClient(
        create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher())), raise_server_exceptions=False
    )


def test_a_code_for_a_phone_arrives_by_sms_and_signs_in(tmp_path: Path, sqlite_database_url: str) -> None:
    with sms_bridge() as (bridge, url):
        settings = make_settings(tmp_path, sqlite_database_url, sms_url=url, sms_token=bridge.token)
        with app_client(settings) as client:
            assert client.post("/api/auth/otp/request", json={"destination": PHONE}).status_code == 202
            [text] = bridge.texts_to(PHONE)
            code = re.search(r"\b(\d{6})\b", text).group(1)  # type: ignore[union-attr]
            assert "sign-in code" in text
            answer = client.post("/api/auth/otp/verify", json={"destination": PHONE, "code": code})
            assert answer.status_code == 200, answer.text


def test_a_number_the_bridge_refuses_fails_without_recording_its_answer(
    tmp_path: Path, sqlite_database_url: str
) -> None:
    from tests.integration.media.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer_for

    with sms_bridge() as (bridge, url):
        bridge.refused_numbers.add(PHONE)
        settings = make_settings(
            tmp_path,
            sqlite_database_url,
            sms_url=url,
            sms_token=bridge.token,
            admin_email=ADMIN_EMAIL,
            admin_password=ADMIN_PASSWORD,
        )
        with app_client(settings) as client:
            admin = bearer_for(client, ADMIN_EMAIL, ADMIN_PASSWORD)
            assert client.post("/api/auth/otp/request", json={"destination": PHONE}).status_code == 202
            [message] = outbox_when(client, admin, bool, status="failed")
    assert message["channel"] == "sms" and message["recipient"] == PHONE and message["attempts"] == 1
    assert message["last_error"] == "SMS bridge refused the message: HTTP 400"


def test_production_without_a_channel_does_not_start_and_names_the_settings(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k.upper() not in {"SMTP_HOST", "SMS_URL", "LEBRQ_ENV"}}
    environment.update({"LEBRQ_ENV": "production", "JWT_SECRET": "p" * 48, "VAR_DIR": str(tmp_path / "var")})
    result = subprocess.run(
        [sys.executable, "-m", "lebrq.cli", "serve"],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SMTP_HOST" in result.stderr and "SMS_URL" in result.stderr and "LEBRQ_ENV" in result.stderr
    with pytest.raises(SettingsError, match="SMTP_HOST"):
        make_settings(tmp_path, "sqlite+aiosqlite:///unused.sqlite3", lebrq_env="production")


def test_production_never_logs_a_code(
    tmp_path: Path,
    sqlite_database_url: str,
    smtp: SmtpInbox,
    smtp_port: int,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Every log line the process writes, with the logging a server worker runs with
    (`lebrq.server.json_logs`: the app itself configures none), read from the process's
    own stderr and stdout."""
    settings = mail_settings(tmp_path, sqlite_database_url, smtp_port, lebrq_env="production", log_level="DEBUG")
    refused = "nobody@example.com"
    smtp.refuse[refused] = "550 5.1.1 no such mailbox"
    logged = ""
    with server_logging("debug"), app_client(settings) as client:
        for destination in ("meera@example.com", refused):
            assert client.post("/api/auth/otp/request", json={"destination": destination}).status_code == 202
        # No SMS channel here: a phone gets a clear refusal, not a code that never arrives.
        by_phone = client.post("/api/auth/otp/request", json={"destination": PHONE})
        assert by_phone.status_code == 400 and "text messages" in by_phone.json()["detail"]
        mail = smtp.wait_for(lambda m: m["To"] == "meera@example.com")
        code = re.search(r"\b(\d{6})\b", mail["Subject"]).group(1)  # type: ignore[union-attr]
        deadline = time.monotonic() + 15
        while "550" not in logged:
            assert time.monotonic() < deadline, "the refusal is logged"
            time.sleep(0.1)
            captured = capfd.readouterr()
            logged += captured.err + captured.out
        verified = client.post("/api/auth/otp/verify", json={"destination": "meera@example.com", "code": code})
        assert verified.status_code == 200
    captured = capfd.readouterr()
    logged += captured.err + captured.out
    assert "outbox: message" in logged  # the failure line is there...
    assert code not in logged  # ...and no code anywhere
    assert "sign-in code" not in logged
