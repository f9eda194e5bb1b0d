"""The protections in a real server: `lebrq serve` -> Granian over TLS (HTTP/1.1 and
HTTP/2), memory measured on the whole process tree."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support.fault_routes import SLOW_CHUNK_BYTES, SLOW_CHUNKS
from tests.support.granian_process import RunningService, ServiceStarter

pytestmark = pytest.mark.granian

MIB = 1024 * 1024
FAULT_APP = ("--app", "tests.support.fault_routes:create_app_with_fault_routes")
# The service runs in its own folder; the test-only factory is imported from this checkout.
REPOSITORY = str(Path(__file__).resolve().parents[3])
JSON = {"content-type": "application/json"}


def twenty_mb_json() -> bytes:
    return b'{"email": "' + b"a" * (20 * MIB) + b'", "password": "x"}'


def in_chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    # A generator body: httpx sends it chunked (HTTP/1.1) or as DATA frames without a
    # content-length (HTTP/2).
    for start in range(0, len(body), size):
        yield body[start : start + size]


def settled_rss(service: RunningService, client: httpx.Client) -> int:
    # One more request on the same worker first: whatever the refused request left
    # for after its answer (freeing, trimming) has run by the time this one is answered.
    assert client.get("/api/health").status_code == 200
    return service.process_tree_rss()


def with_fault_routes(granian_service: ServiceStarter, **env: str) -> RunningService:
    return granian_service(serve_arguments=FAULT_APP, env={"PYTHONPATH": REPOSITORY, **env})


def test_http1_and_http2_over_tls_both_get_gzip_and_limits(granian_service: ServiceStarter) -> None:
    service = with_fault_routes(granian_service, MAX_BODY_SIZE_MB="1")
    for http2, version in ((False, "HTTP/1.1"), (True, "HTTP/2")):
        with service.client(http2=http2, headers={"accept-encoding": "gzip"}) as client:
            large = client.get("/api/test-faults/large-json")
            assert large.http_version == version
            assert large.headers["content-encoding"] == "gzip" and large.json() == {"filler": "a" * 4096}
            refused = client.post(
                "/api/test-faults/echo-size", content=in_chunks(b"{" + b" " * (2 * MIB) + b"}"), headers=JSON
            )
            assert refused.status_code == 413, version
            assert client.get("/api/health").status_code == 200


def test_a_20_mb_json_body_is_refused_with_and_without_content_length_without_growing_the_server(
    granian_service: ServiceStarter,
) -> None:
    service = granian_service()  # default MAX_BODY_SIZE_MB=15
    body = twenty_mb_json()
    with service.client(timeout=60) as http1, service.client(http2=True, timeout=60) as http2:
        for client in (http1, http2):  # warm both paths up before measuring idle
            assert (
                client.post("/api/auth/login", json={"email": "a@example.com", "password": "x" * 8}).status_code == 401
            )
        idle = settled_rss(service, http1)

        declared = http1.post("/api/auth/login", content=body, headers=JSON)
        assert declared.status_code == 413
        assert declared.json()["detail"] == "Request body is larger than the limit of 15 MB"
        assert settled_rss(service, http1) - idle <= 8 * MIB

        for client in (http1, http2):
            streamed = client.post("/api/auth/login", content=in_chunks(body), headers=JSON)
            assert streamed.status_code == 413, client
            grown = settled_rss(service, client) - idle
            assert grown <= 8 * MIB, f"{grown / MIB:.1f} MiB over idle after a refused chunked body"


def test_above_the_threshold_bookings_get_503_while_memory_health_answers(granian_service: ServiceStarter) -> None:
    used = psutil.virtual_memory().percent
    service = granian_service(env={"MEMORY_THRESHOLD_PERCENT": "1"})
    assert used > 1
    with service.client(http2=True) as client:
        refused = client.get("/api/bookings")
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) > 0
        memory = client.get("/api/health/memory")
        assert memory.status_code == 200
        assert memory.json()["threshold_percent"] == 1.0
        assert memory.json()["status"] in ("warning", "critical")
        assert client.get("/api/health").status_code == 200
        metrics = client.get("/metrics")  # not under /api/health: refused too
        assert metrics.status_code == 503


def test_a_memory_error_is_503_and_the_same_worker_serves_the_next_request(granian_service: ServiceStarter) -> None:
    service = with_fault_routes(granian_service)
    workers = service.worker_pids()
    with service.client() as client:
        failed = client.get("/api/test-faults/memory-error")
        assert failed.status_code == 503 and failed.headers["retry-after"] == "5"
        assert client.get("/api/test-faults/large-json").status_code == 200
    assert service.worker_pids() == workers  # no crash, no respawn


def test_sigterm_during_a_slow_download_lets_it_finish_and_exits_0(granian_service: ServiceStarter) -> None:
    service = with_fault_routes(granian_service, PYTHONWARNINGS="default")
    received = bytearray()
    first_chunk = threading.Event()
    failure: list[BaseException] = []

    def download() -> None:
        try:
            with (
                service.client(timeout=30) as client,
                client.stream("GET", "/api/test-faults/slow-download?seconds=3") as answer,
            ):
                for chunk in answer.iter_bytes():
                    received.extend(chunk)
                    first_chunk.set()
        except BaseException as exc:
            failure.append(exc)
            first_chunk.set()

    reader = threading.Thread(target=download)
    reader.start()
    assert first_chunk.wait(timeout=30)
    exit_code = service.terminate()
    reader.join(timeout=30)

    assert not failure, failure
    assert len(received) == SLOW_CHUNKS * SLOW_CHUNK_BYTES
    assert exit_code == 0
    log = service.log()
    for sign_of_a_leak in ("ResourceWarning", "unclosed", "Task was destroyed", "never awaited", "Traceback"):
        assert sign_of_a_leak not in log, log[-3000:]


def test_metrics_add_up_over_two_workers(granian_service: ServiceStarter) -> None:
    service = granian_service(config={"workers": 2})
    workers = {str(pid) for pid in service.worker_pids()}
    assert len(workers) == 2

    def worker_gauges() -> str:
        with service.client() as client:
            return client.get("/metrics").text

    # Each worker records its gauges when its lifespan starts; the second may still be
    # starting when the first answers.
    deadline = time.monotonic() + 30
    while {
        line.split('"')[1]
        for line in worker_gauges().splitlines()
        if line.startswith("lebrq_process_resident_memory_bytes{")
    } != workers:
        assert time.monotonic() < deadline, "a worker never reported its gauges"
        time.sleep(0.2)

    for _ in range(12):  # a new connection each time, so both workers answer some
        with service.client() as client:
            assert client.get("/api/health/pool").status_code == 200
    text = worker_gauges()
    assert 'lebrq_http_requests_total{method="GET",route="/api/health/pool",status="200"} 12.0' in text
    # DB_POOL_SIZE=2 per worker, summed over live workers. Live gauges are rewritten by each
    # worker's monitor round, so a scrape can fall between one worker's writes: wait for a
    # round that shows both workers' pools (a worker whose pool is never counted still fails).
    deadline = time.monotonic() + 45  # longer than one monitor round (MEMORY_MONITOR_SECONDS, 30)
    while "lebrq_db_pool_size 4.0" not in text:
        pool_lines = [line for line in text.splitlines() if line.startswith("lebrq_db_pool_size")]
        assert time.monotonic() < deadline, f"pool size never summed over both workers: {pool_lines}"
        time.sleep(0.2)
        text = worker_gauges()
