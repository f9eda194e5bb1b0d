"""`lebrq db upgrade|current` and `lebrq create-admin`, run as a user would run them."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from litestar.testing import TestClient

from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, sql_adapters_with


def cli_environment(tmp_path: Path, **env: str) -> dict[str, str]:
    environment = {
        **os.environ,
        "VAR_DIR": str(tmp_path / "var"),
        "ARGON2_MEMORY_KIB": "8",
        "ARGON2_TIME_COST": "1",
        **env,
    }
    if "ADMIN_PASSWORD" not in env:
        environment.pop("ADMIN_PASSWORD", None)
    return environment


def lebrq(tmp_path: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lebrq.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=cli_environment(tmp_path, **env),
        timeout=120,
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
    created = lebrq(
        tmp_path, "create-admin", "--email", "Boss@Example.com", "--password-stdin", stdin="very-secret-1\n"
    )
    assert created.returncode == 0, created.stderr
    assert "admin boss@example.com" in created.stdout
    assert signed_in_role(tmp_path, "boss@example.com", "very-secret-1") == "admin"


def signed_in_role(tmp_path: Path, email: str, password: str) -> str | None:
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'var' / 'lebrq.sqlite3'}")
    with TestClient(create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))) as client:
        token = client.post("/api/auth/login", json={"email": email, "password": password})
        if token.status_code != 200:
            return None
        me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        return me.json()["role"]  # type: ignore[no-any-return]


def test_create_admin_takes_the_password_from_the_environment(tmp_path: Path) -> None:
    assert lebrq(tmp_path, "db", "upgrade").returncode == 0
    created = lebrq(tmp_path, "create-admin", "--email", "ops@example.com", ADMIN_PASSWORD="from-the-env-1")
    assert created.returncode == 0, created.stderr
    assert signed_in_role(tmp_path, "ops@example.com", "from-the-env-1") == "admin"


def test_create_admin_asks_twice_on_a_terminal_without_echo(tmp_path: Path) -> None:
    assert lebrq(tmp_path, "db", "upgrade").returncode == 0
    matching = on_terminal(tmp_path, ["typed-secret-1", "typed-secret-1"])
    assert matching.status == 0, matching.output
    assert "Password for the admin:" in matching.output and "Repeat the password:" in matching.output
    assert "typed-secret-1" not in matching.output  # never echoed
    assert signed_in_role(tmp_path, "typed@example.com", "typed-secret-1") == "admin"
    differing = on_terminal(tmp_path, ["typed-secret-2", "typed-secret-3"], email="other@example.com")
    assert differing.status == 2
    assert "the two passwords differ" in differing.output
    assert signed_in_role(tmp_path, "other@example.com", "typed-secret-2") is None


class TerminalRun(NamedTuple):
    status: int
    output: str


def on_terminal(tmp_path: Path, answers: list[str], email: str = "typed@example.com") -> TerminalRun:
    """Runs create-admin with a pseudo-terminal as its controlling terminal (where getpass
    reads and prompts), typing each answer after its prompt."""
    command = [sys.executable, "-m", "lebrq.cli", "create-admin", "--email", email]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: becomes the command, its terminal is the pty
        os.execve(sys.executable, command, cli_environment(tmp_path))
    output = b""
    pending = list(answers)
    answered_up_to = 0  # an answer goes after each new prompt (typed-ahead input is flushed by getpass)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 1)
        if ready:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child exited and closed its side
                break
            if not chunk:
                break
            output += chunk
            if pending and output[answered_up_to:].endswith(b": "):
                os.write(terminal, pending.pop(0).encode() + b"\n")
                answered_up_to = len(output)
    else:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return TerminalRun(os.waitstatus_to_exitcode(status), output.decode(errors="replace"))


def test_create_admin_never_takes_the_password_from_argv(tmp_path: Path) -> None:
    assert lebrq(tmp_path, "db", "upgrade").returncode == 0
    refused = lebrq(tmp_path, "create-admin", "--email", "boss@example.com", "--password", "very-secret-1")
    assert refused.returncode == 2
    assert "--password is not accepted" in refused.stderr
    # Without a terminal, stdin flag or environment there is nothing to ask: a clear error.
    nothing = lebrq(tmp_path, "create-admin", "--email", "boss@example.com")
    assert nothing.returncode == 2
    assert "--password-stdin" in nothing.stderr and "ADMIN_PASSWORD" in nothing.stderr
    empty = lebrq(tmp_path, "create-admin", "--email", "boss@example.com", "--password-stdin", stdin="")
    assert empty.returncode == 2
    assert signed_in_role(tmp_path, "boss@example.com", "very-secret-1") is None


def test_create_admin_with_a_weak_password_fails_clearly(tmp_path: Path) -> None:
    assert lebrq(tmp_path, "db", "upgrade").returncode == 0
    refused = lebrq(tmp_path, "create-admin", "--email", "boss@example.com", "--password-stdin", stdin="short\n")
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
