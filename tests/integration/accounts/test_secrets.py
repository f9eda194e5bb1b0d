"""JWT_SECRET: production refuses to start without a real one; the development secret
file is created atomically, checked and kept."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lebrq.server.dev_secret import development_secret


@pytest.mark.parametrize("secret", ["", "too-short-a-secret"], ids=["missing", "short"])
@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"]])
def test_production_without_a_32_byte_jwt_secret_exits_non_zero_naming_it(
    tmp_path: Path, secret: str, command: list[str]
) -> None:
    environment = {
        key: value for key, value in os.environ.items() if key not in ("JWT_SECRET", "LEBRQ_ENV", "DATABASE_URL")
    }
    environment.update({"LEBRQ_ENV": "production", "JWT_SECRET": secret, "VAR_DIR": str(tmp_path / "var")})
    finished = subprocess.run(
        [sys.executable, "-m", "lebrq.cli", *command],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert finished.returncode != 0
    assert "JWT_SECRET" in finished.stderr
    assert "Traceback" not in finished.stderr
    assert not (tmp_path / "var" / "jwt-secret").exists()


def test_the_development_secret_is_made_once_with_mode_0600_even_by_racing_processes(tmp_path: Path) -> None:
    secret_file = tmp_path / "var" / "jwt-secret"
    with ThreadPoolExecutor(8) as pool:
        secrets = set(pool.map(lambda _: development_secret(secret_file), range(16)))
    assert len(secrets) == 1
    (secret,) = secrets
    assert len(secret.encode()) >= 32
    assert secret_file.read_text() == secret
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in secret_file.parent.iterdir()] == ["jwt-secret"]  # no temporary files left


@pytest.mark.parametrize("broken", ["", "   \n", "short"], ids=["empty", "blank", "short"])
def test_an_unusable_secret_file_is_replaced(tmp_path: Path, broken: str) -> None:
    secret_file = tmp_path / "jwt-secret"
    secret_file.write_text(broken)
    secret = development_secret(secret_file)
    assert len(secret.encode()) >= 32
    assert secret_file.read_text() == secret
    assert secret_file.stat().st_mode & 0o777 == 0o600
