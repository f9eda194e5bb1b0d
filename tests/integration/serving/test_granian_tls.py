"""The real service: `lebrq serve` in a subprocess, Granian over TLS with the development
certificate, clients verifying that certificate (never verify=False)."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.granian_process import RunningService, ServiceFailedToStart, ServiceStarter, running_service

pytestmark = pytest.mark.granian


def tls12_only_context(service: RunningService) -> ssl.SSLContext:
    context = service.ssl_context()
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    return context


def test_health_over_http1_and_http2_verified_against_the_development_certificate(
    granian_service: ServiceStarter,
) -> None:
    service = granian_service()
    assert service.ca_certificate == service.var_dir / "tls" / "dev-cert.pem"

    for http2, version in ((False, "HTTP/1.1"), (True, "HTTP/2")):
        with service.client(http2=http2) as client:
            response = client.get("/api/health")
        assert response.status_code == 200
        assert response.http_version == version
        assert response.json()["status"] == "ok"

    # Migrations ran on the fresh SQLite database before Granian started.
    with service.client() as client:
        assert client.get("/api/health/ready").json()["status"] == "ready"
    assert (service.var_dir / "lebrq.sqlite3").exists()
    # granian.toml allows TLS 1.2 clients.
    with httpx.Client(verify=tls12_only_context(service)) as client:
        assert client.get(f"{service.base_url}/api/health").status_code == 200


def test_a_client_that_does_not_trust_the_certificate_is_refused(granian_service: ServiceStarter) -> None:
    service = granian_service()

    with httpx.Client(verify=ssl.create_default_context()) as client, pytest.raises(httpx.ConnectError) as error:
        client.get(f"{service.base_url}/api/health")

    assert "CERTIFICATE_VERIFY_FAILED" in str(error.value)


def test_file_settings_reach_granian_and_workers_share_one_development_secret(
    granian_service: ServiceStarter,
) -> None:
    service = granian_service(config={"workers": 2, "ssl-protocol-min": "tls1.3"})

    assert len(service.worker_pids()) == 2
    assert service.process_tree_rss() > sum(p.memory_info().rss for p in service.processes()[:1])
    with httpx.Client(verify=tls12_only_context(service)) as client, pytest.raises(httpx.ConnectError):
        client.get(f"{service.base_url}/api/health")

    # The supervisor made the JWT secret once, so a token signed by whichever worker
    # served the login is accepted by every worker, on fresh connections.
    credentials = {"email": "ada@example.com", "password": "correct horse battery"}
    with service.client() as client:
        assert client.post("/api/auth/register", json={**credentials, "name": "Ada"}).status_code == 201
        token = client.post("/api/auth/login", json=credentials).json()["access_token"]
    for _ in range(12):
        with service.client(headers={"Authorization": f"Bearer {token}"}) as fresh:
            assert fresh.get("/api/auth/me").status_code == 200


def test_sigterm_stops_supervisor_and_workers_with_exit_code_zero(granian_service: ServiceStarter) -> None:
    service = granian_service()
    processes = service.processes()
    assert len(processes) == 2  # supervisor and one worker

    assert service.terminate() == 0

    _, alive = psutil.wait_procs(processes, timeout=10)
    assert not alive
    assert "Granian shutdown completed" in service.log()


def test_a_bad_setting_stops_lebrq_serve_before_granian_starts(tmp_path: Path) -> None:
    with pytest.raises(ServiceFailedToStart) as failure, running_service(tmp_path, config={"workers": 0}):
        pass

    assert "exited with 2" in str(failure.value)
    assert "`workers`: 0 is not in the range x>=1" in str(failure.value)
    assert "Starting granian" not in str(failure.value)
