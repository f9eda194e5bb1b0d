"""Memory guard, MemoryError handling, body limits, compression and /metrics over HTTP
(Litestar's test client on the real app with a fake memory probe)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from lebrq.adapters.memory.memory_probe import FixedMemoryProbe
from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.apps import memory_adapters
from tests.support.factories import RegistrationFactory
from tests.support.fault_routes import FAULT_ROUTES

MIB = 1024 * 1024


@pytest.fixture
def probe() -> FixedMemoryProbe:
    return FixedMemoryProbe(used_percent=40.0)


@pytest.fixture
def app_client(tmp_path: Path, probe: FixedMemoryProbe) -> Iterator[TestClient]:
    # A tiny check interval so a test can change the fake reading and see it at once.
    settings = make_settings(tmp_path, "", max_body_size_mb=1, memory_check_seconds=1e-6)
    app = create_app(settings, adapters=memory_adapters(), memory_probe=probe, extra_route_handlers=FAULT_ROUTES)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def metric(client: TestClient, line_start: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# --- memory guard -------------------------------------------------------------------


def test_above_the_threshold_every_route_but_health_gets_503_with_retry_after(
    app_client: TestClient, probe: FixedMemoryProbe
) -> None:
    probe.used_percent = 87.0

    refused = app_client.post("/api/auth/register", json=RegistrationFactory.payload())
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "5"
    assert refused.json()["detail"] == "The server is low on memory; try again shortly"
    assert app_client.get("/api/test-faults/large-json").status_code == 503

    assert app_client.get("/api/health").status_code == 200
    memory = app_client.get("/api/health/memory")
    assert memory.status_code == 200 and memory.json()["status"] == "warning"

    probe.used_percent = 50.0
    assert app_client.post("/api/auth/register", json=RegistrationFactory.payload()).status_code == 201


def test_memory_health_reports_machine_process_and_limits(app_client: TestClient, probe: FixedMemoryProbe) -> None:
    probe.used_percent, probe.process_rss_bytes = 25.0, 123 * MIB
    body = app_client.get("/api/health/memory").json()
    assert body == {
        "total_gb": 4.0,
        "available_gb": 3.0,
        "used_gb": 1.0,
        "used_percent": 25.0,
        "threshold_percent": 85.0,
        "critical_percent": 90.0,
        "process_rss_mb": 123.0,
        "status": "ok",
    }
    probe.used_percent = 95.0
    assert app_client.get("/api/health/memory").json()["status"] == "critical"


def test_a_memory_error_in_a_handler_is_503_and_the_next_request_succeeds(app_client: TestClient) -> None:
    failed = app_client.get("/api/test-faults/memory-error")
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "5"
    assert "ran out of memory" in failed.json()["detail"]

    assert app_client.get("/api/test-faults/large-json").status_code == 200
    assert metric(app_client, 'lebrq_guard_rejections_total{reason="memory_error"}') == 1


# --- body limits ---------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_413_naming_the_limit(app_client: TestClient) -> None:
    answer = app_client.post(
        "/api/test-faults/echo-size",
        content=b"{" + b" " * (2 * MIB) + b"}",
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["detail"] == "Request body is larger than the limit of 1 MB"
    assert answer.json()["extra"] == {"limit_bytes": MIB}


def test_a_chunked_body_without_content_length_is_counted_and_refused(app_client: TestClient) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b"{"
        for _ in range(64):
            sent += 64 * 1024
            yield b" " * (64 * 1024)
        yield b"}"

    answer = app_client.post(
        "/api/test-faults/echo-size", content=chunks(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413
    assert metric(app_client, 'lebrq_guard_rejections_total{reason="body_too_large"}') == 1


def test_a_body_under_the_limit_goes_through(app_client: TestClient) -> None:
    answer = app_client.post("/api/test-faults/echo-size", json={"a": "x" * (MIB // 2), "b": 1})
    assert answer.status_code == 201 and answer.json() == {"keys": 2}


# --- compression ---------------------------------------------------------------------


def test_json_over_1_kb_is_gzipped_when_accepted(app_client: TestClient) -> None:
    answer = app_client.get("/api/test-faults/large-json", headers={"accept-encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in answer.headers["vary"]
    assert int(answer.headers["content-length"]) < 4096
    assert answer.json() == {"filler": "a" * 4096}  # httpx decoded it: the gzip is valid


def test_json_is_sent_plain_when_gzip_is_not_accepted_or_refused(app_client: TestClient) -> None:
    for accept in ("identity", "gzip;q=0", "br"):
        answer = app_client.get("/api/test-faults/large-json", headers={"accept-encoding": accept})
        assert "content-encoding" not in answer.headers, accept
        assert answer.json() == {"filler": "a" * 4096}


def test_small_json_streams_and_opted_out_routes_are_not_compressed(app_client: TestClient) -> None:
    headers = {"accept-encoding": "gzip"}
    small = app_client.get("/api/test-faults/large-json?size=100", headers=headers)
    assert "content-encoding" not in small.headers
    opted_out = app_client.get("/api/test-faults/large-json-uncompressed", headers=headers)
    assert "content-encoding" not in opted_out.headers and len(opted_out.content) > 4096
    streamed = app_client.get("/api/test-faults/streamed-json", headers=headers)
    assert "content-encoding" not in streamed.headers and streamed.json() == {"filler": "a" * 4096}
    download = app_client.get("/api/test-faults/slow-download?seconds=0", headers=headers)
    assert "content-encoding" not in download.headers and len(download.content) == 640 * 1024


# --- metrics -------------------------------------------------------------------------


def test_metrics_count_requests_by_route_template_and_guard_refusals(
    app_client: TestClient, probe: FixedMemoryProbe
) -> None:
    app_client.get("/api/test-faults/large-json")
    app_client.get("/api/test-faults/large-json?size=10")
    probe.used_percent = 99.0
    app_client.get("/api/test-faults/large-json")
    probe.used_percent = 40.0

    answer = app_client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    assert 'lebrq_http_requests_total{method="GET",route="/api/test-faults/large-json",status="200"} 2.0' in text
    assert 'lebrq_http_requests_total{method="GET",route="/api/test-faults/large-json",status="503"} 1.0' in text
    assert 'lebrq_http_request_duration_seconds_count{method="GET",route="/api/test-faults/large-json"} 3.0' in text
    assert 'lebrq_guard_rejections_total{reason="memory_threshold"} 1.0' in text
    assert metric(app_client, "lebrq_process_resident_memory_bytes") == probe.process_rss_bytes
    assert "lebrq_db_pool_checked_out 0.0" in text


def test_metrics_label_routes_by_template_not_by_path(app_client: TestClient) -> None:
    token_free = app_client.get("/api/test-faults/slow-download?seconds=0")
    assert token_free.status_code == 200
    text = app_client.get("/metrics").text
    assert 'route="/api/test-faults/slow-download"' in text
    assert "seconds=0" not in text
