"""`lebrq db upgrade|current` and `lebrq create-admin`, run as a user would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from litestar.testing import TestClient

from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, sql_adapters_with


def lebrq(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "VAR_DIR": str(tmp_path / "var"),
        "ARGON2_MEMORY_KIB": "8",
        "ARGON2_TIME_COST": "1",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "lebrq.cli", *args], capture_output=True, text=True, env=environment, timeout=120
    )


def test_db_current_fails_until_upgrade_brings_the_database_to_head(tmp_path: Path) -> None:
    before = lebrq(tmp_path, "db", "current")
    assert before.returncode == 1 and "current: (none)" in before.stdout
    upgraded = lebrq(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "var" / "lebrq.sqlite3").exists()
    after = lebrq(tmp_path, "db", "current")
    assert after.returncode == 0
    current, head = (line.split()[-1] for line in after.stdout.splitlines())
    assert current == head


def test_create_admin_then_sign_in_as_admin(tmp_path: Path) -> None:
    assert lebrq(tmp_path, "db", "upgrade").returncode == 0
    created = lebrq(tmp_path, "create-admin", "--email", "Boss@Example.com", "--password", "very-secret-1")
    assert created.returncode == 0, created.stderr
    assert "admin boss@example.com" in created.stdout
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'var' / 'lebrq.sqlite3'}")
    with TestClient(create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))) as client:
        token = client.post("/api/auth/login", json={"email": "boss@example.com", "password": "very-secret-1"}).json()
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert me["role"] == "admin"


def test_create_admin_with_a_weak_password_fails_clearly(tmp_path: Path) -> None:
    assert lebrq(tmp_path, "db", "upgrade").returncode == 0
    refused = lebrq(tmp_path, "create-admin", "--email", "boss@example.com", "--password", "short")
    assert refused.returncode == 2 and "password must have at least 8 characters" in refused.stderr


def test_a_bad_setting_stops_the_command_naming_the_variable(tmp_path: Path) -> None:
    failed = lebrq(tmp_path, "db", "current", DB_POOL_SIZE="lots")
    assert failed.returncode != 0 and "DB_POOL_SIZE" in failed.stderr
    assert "Traceback" not in failed.stderr


def test_admin_from_the_environment_is_created_on_first_start(tmp_path: Path, sqlite_database_url: str) -> None:
    settings = make_settings(
        tmp_path, sqlite_database_url, admin_email="ops@example.com", admin_password="ops-password-1"
    )
    with TestClient(create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))) as client:
        answer = client.post("/api/auth/login", json={"email": "ops@example.com", "password": "ops-password-1"})
        assert answer.status_code == 200
    # A second start finds the admin there and keeps it.
    with TestClient(create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))) as client:
        assert (
            client.post("/api/auth/login", json={"email": "ops@example.com", "password": "ops-password-1"}).status_code
            == 200
        )


def test_a_development_jwt_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    from lebrq.bootstrap import load_settings

    os.environ["VAR_DIR"] = str(tmp_path / "var")
    try:
        first, second = load_settings(), load_settings()
    finally:
        del os.environ["VAR_DIR"]
    secret_file = tmp_path / "var" / "jwt-secret"
    assert first.jwt_secret == second.jwt_secret == secret_file.read_text().strip()
    assert len(first.jwt_secret) >= 32 and secret_file.stat().st_mode & 0o077 == 0
