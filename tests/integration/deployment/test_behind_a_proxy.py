"""`lebrq serve` behind a TLS-terminating proxy: plain HTTP (LEBRQ_TLS=off), and the
client address from X-Forwarded-For believed from trusted peers only (FORWARDED_ALLOW_IPS),
as seen in Granian's access log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lebrq.cli import main
from tests.support.granian_process import RunningService, ServiceStarter

pytestmark = pytest.mark.granian


def access_log_addresses(service: RunningService, path: str) -> list[str]:
    addresses = []
    for line in service.log().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if entry.get("logger") == "granian.access" and entry.get("path") == path:
                addresses.append(entry["addr"])
    return addresses


def test_plain_http_with_the_client_address_from_a_trusted_proxy(granian_service: ServiceStarter) -> None:
    service = granian_service(env={"LEBRQ_TLS": "off", "FORWARDED_ALLOW_IPS": "127.0.0.1"})
    assert service.base_url.startswith("http://")
    assert not (service.var_dir / "tls").exists()  # no development certificate made

    with service.client() as client:
        # The client wrote the first address itself; the proxy appended the one it saw.
        response = client.get(
            "/api/health/ready", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}
        )
    assert response.status_code == 200
    assert access_log_addresses(service, "/api/health/ready") == ["203.0.113.9"]


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(granian_service: ServiceStarter) -> None:
    service = granian_service(env={"LEBRQ_TLS": "off", "FORWARDED_ALLOW_IPS": "10.9.9.9"})

    with service.client() as client:
        headers = {"X-Forwarded-For": "203.0.113.66", "Forwarded": "for=203.0.113.67"}
        assert client.get("/api/health/ready", headers=headers).status_code == 200
    assert access_log_addresses(service, "/api/health/ready") == ["127.0.0.1"]


def test_tls_off_with_a_certificate_configured_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("LEBRQ_TLS", "off")
    certificate = tmp_path / "cert.pem"
    certificate.write_text("unused")
    config = tmp_path / "granian.toml"
    config.write_text(f'ssl-certificate = "{certificate}"\nssl-keyfile = "{certificate}"\n')

    assert main(["serve", "--config", str(config)]) == 2

    assert "LEBRQ_TLS=off serves plain HTTP" in capsys.readouterr().err
    assert not (tmp_path / "var").exists()
