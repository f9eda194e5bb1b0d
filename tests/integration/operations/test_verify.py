"""`lebrq verify` against a real service: all checks pass on a fresh one, and a stopped
database shows as a clear FAIL line and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.support.granian_process import RunningService, ServiceStarter
from tests.support.threaded_tcp_proxy import cut, threaded_tcp_proxy

pytestmark = pytest.mark.granian

ADMIN = {"ADMIN_EMAIL": "ops-admin@example.com", "ADMIN_PASSWORD": "ops-admin-password"}


# Runs the CLI as a production install would: with the `h2` package unimportable.
WITHOUT_H2 = """
import importlib.abc, sys
class NoH2(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "h2" or name.startswith("h2."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return None
sys.meta_path.insert(0, NoH2())
from lebrq.cli import main
sys.exit(main())
"""


def verify(service: RunningService, *extra: str, without_h2: bool = False) -> subprocess.CompletedProcess[str]:
    command = ["-c", WITHOUT_H2] if without_h2 else ["-m", "lebrq.cli"]
    return subprocess.run(
        [
            sys.executable,
            *command,
            "verify",
            "--base-url",
            service.base_url,
            "--ca-file",
            str(service.ca_certificate),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


def lines_of(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """check name -> its whole line."""
    return {
        line.split(" ")[1].rstrip(":"): line
        for line in result.stdout.splitlines()
        if line.startswith(("PASS ", "FAIL ", "SKIP "))
    }


def test_verify_passes_every_check_against_a_fresh_service(granian_service: ServiceStarter) -> None:
    service = granian_service(env=ADMIN)

    result = verify(service, "--admin-email", ADMIN["ADMIN_EMAIL"], "--admin-password", ADMIN["ADMIN_PASSWORD"])

    checks = lines_of(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert set(checks) == {
        "tls",
        "health",
        "ready",
        "memory",
        "pool",
        "pagination",
        "test-user",
        "upload-and-ranged-download",
        "body-limit",
        "gzip",
        "metrics",
    }
    assert all(line.startswith("PASS") for line in checks.values()), result.stdout
    assert "11 passed, 0 failed, 0 skipped" in result.stdout
    assert "HTTP/2" in checks["tls"]


def test_verify_on_a_production_install_without_h2_or_admin_credentials(granian_service: ServiceStarter) -> None:
    service = granian_service()
    result = verify(service, without_h2=True)
    checks = lines_of(result)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the h2 package is not installed; checking over HTTP/1.1" in result.stdout
    assert checks["tls"].startswith("PASS tls:") and "HTTP/1.1" in checks["tls"]
    assert checks["upload-and-ranged-download"].startswith("SKIP upload-and-ranged-download: no admin credentials")
    assert "10 passed, 0 failed, 1 skipped" in result.stdout


def test_verify_fails_with_a_clear_line_when_the_database_is_stopped(
    granian_service: ServiceStarter, mariadb_database_url: str
) -> None:
    server = urlsplit(mariadb_database_url.replace("mysql+asyncmy", "mysql"))
    with threaded_tcp_proxy(server.hostname or "127.0.0.1", server.port or 3306) as (proxy, loop):
        proxied = mariadb_database_url.replace(f"{server.hostname}:{server.port}", f"127.0.0.1:{proxy.port}")
        service = granian_service(env={"DATABASE_URL": proxied})
        with service.client() as client:
            assert client.get("/api/health/ready").status_code == 200

        cut(proxy, loop)  # the database goes away
        result = verify(service)

    checks = lines_of(result)
    assert result.returncode == 1
    assert checks["ready"].startswith("FAIL ready: 503")
    assert checks["test-user"].startswith("FAIL test-user:")
    assert checks["health"].startswith("PASS")  # the process itself still answers
    assert "failed" in result.stdout.splitlines()[-1]
