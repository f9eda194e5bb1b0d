"""Logs of a real server (`lebrq serve` -> Granian) while MariaDB is cut off under load:
every line printed is one JSON object, and the lines of a failing request carry the
X-Request-ID its response carries."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.granian_process import RunningService, ServiceStarter
from tests.support.threaded_tcp_proxy import cut, threaded_tcp_proxy

pytestmark = pytest.mark.granian

FAULT_APP = ("--app", "tests.support.fault_routes:create_app_with_fault_routes")
# The service runs in its own folder; the test-only factory is imported from this checkout.
PYTHONPATH = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[3]), os.environ.get("PYTHONPATH")]))
REQUESTS = 240
IN_FLIGHT = 16
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


async def hammer(
    service: RunningService,
    requests: list[tuple[str, str]],
    *,
    then: Callable[[], object] = lambda: None,
    after: int = 0,
) -> list[httpx.Response]:
    """(path, X-Request-ID) pairs, IN_FLIGHT at a time; `then` runs (in a thread) once
    `after` responses have come back, while the rest are still in flight or waiting."""
    limit = asyncio.Semaphore(IN_FLIGHT)
    answered = 0
    async with service.async_client(timeout=60) as client:

        async def one(path: str, request_id: str) -> httpx.Response:
            nonlocal answered
            async with limit:
                response = await client.get(path, headers={"X-Request-ID": request_id})
                answered += 1
                if answered == after:
                    await asyncio.to_thread(then)
                return response

        return list(await asyncio.gather(*(one(path, request_id) for path, request_id in requests)))


def log_lines(service: RunningService) -> list[dict[str, object]]:
    parsed = []
    for line in service.log().splitlines():
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"a line of the server's output is not one JSON object: {line!r}")
        assert isinstance(value, dict), line
        parsed.append(value)
    return parsed


def test_with_the_database_cut_off_under_load_every_line_is_json_and_carries_its_request_id(
    granian_service: ServiceStarter, mariadb_database_url: str
) -> None:
    server = urlsplit(mariadb_database_url.replace("mysql+asyncmy", "mysql"))
    with threaded_tcp_proxy(server.hostname or "127.0.0.1", server.port or 3306) as (proxy, loop):
        proxied = mariadb_database_url.replace(f"{server.hostname}:{server.port}", f"127.0.0.1:{proxy.port}")
        service = granian_service(env={"DATABASE_URL": proxied, "PYTHONPATH": PYTHONPATH}, serve_arguments=FAULT_APP)
        requests = [("/api/venues", f"load-{n}") for n in range(REQUESTS)]
        requests[::8] = [("/api/test-faults/library-noise", f"noise-{n}") for n in range(0, REQUESTS, 8)]
        # The database goes away while requests are in flight, as the clients keep coming:
        # after a count of answers rather than a time, so a faster or slower machine
        # still cuts it mid-way.
        responses = asyncio.run(hammer(service, requests, then=lambda: cut(proxy, loop), after=REQUESTS // 4))
        # A client id that is not well-formed is replaced by one the server makes.
        odd = asyncio.run(hammer(service, [("/api/health", bad) for bad in ("has spaces", "x" * 65, "")]))

    statuses = {request_id: response.status_code for (_, request_id), response in zip(requests, responses, strict=True)}
    assert [response.headers["x-request-id"] for response in responses] == [request_id for _, request_id in requests]
    failed = sorted(request_id for request_id, status in statuses.items() if status >= 500)
    # The database is down, not the server: no failure may be a bare 500.
    assert {statuses[request_id] for request_id in failed} == {503}, statuses
    assert failed and any(status == 200 for status in statuses.values()), statuses
    assert all(GENERATED_ID.fullmatch(response.headers["x-request-id"]) for response in odd)
    assert len({response.headers["x-request-id"] for response in odd}) == 3

    lines = log_lines(service)
    by_request: dict[object, list[dict[str, object]]] = {}
    for line in lines:
        by_request.setdefault(line.get("request_id"), []).append(line)
    for request_id in failed:
        own = by_request.get(request_id, [])
        assert any(line["logger"] == "granian.access" and line["status"] == statuses[request_id] for line in own), own
        # ...and the line that says what went wrong (the database, as a warning or an error).
        assert any(line["level"] in ("warning", "error") and line["logger"] == "lebrq.http" for line in own), own
    noisy = [request_id for _, request_id in requests[::8]]
    for request_id in noisy:
        loggers = {line["logger"] for line in by_request.get(request_id, [])}
        # A library's own logger reaches the root handler: JSON, with the request's id.
        assert {"some.library.pool", "granian.access"} <= loggers, (request_id, loggers)
    # A Python warning (shown once per place) is a JSON line of the request that raised it.
    warned = [line["request_id"] for line in lines if line["logger"] == "py.warnings"]
    assert len(warned) == 1 and warned[0] in noisy, warned
    # Every error line was written while serving a request, and says which.
    assert [line for line in lines if line["level"] == "error" and "request_id" not in line] == []
