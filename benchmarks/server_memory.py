"""Benchmark: memory of the whole server (Granian supervisor + workers) at idle with 1 and
2 workers, and after 10,000 mixed requests: does it keep growing once warmed up?

    .venv/bin/python benchmarks/server_memory.py [--requests 10000] [--warmup 2000] [--concurrency 8]

Real service: `lebrq serve` -> Granian over TLS, fresh SQLite, default settings. The mix
(HTTP/1.1 keep-alive, `--concurrency` requests in flight) is what a signed-in app does:
health probes, the catalog and the caller's bookings (paginated, COUNT + page), /auth/me,
the gzip-compressed OpenAPI document, /metrics, and now and then a body refused with 413
(declared over the limit). Prints one table; target: RSS after all requests within 5% of
RSS after the warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.granian_process import RunningService, running_service

MIB = 1024 * 1024
TARGET_GROWTH = 0.05
SETTLE_SECONDS = 3.0


def settled_rss(service: RunningService) -> int:
    # Workers finish starting (imports, first memory check) in the first seconds.
    time.sleep(SETTLE_SECONDS)
    return service.process_tree_rss()


async def signed_in_token(client: httpx.AsyncClient) -> str:
    account = {"email": f"bench-{time.time_ns()}@example.com", "password": "bench-password-1", "name": "bench"}
    assert (await client.post("/api/auth/register", json=account)).status_code == 201
    login = await client.post("/api/auth/login", json={"email": account["email"], "password": account["password"]})
    return str(login.json()["access_token"])


def request_mix(token: str) -> list[tuple[str, str, dict[str, object]]]:
    auth = {"headers": {"Authorization": f"Bearer {token}"}}
    oversized = b"{" + b" " * (16 * MIB) + b"}"
    mix: list[tuple[str, str, dict[str, object]]] = [
        ("GET", "/api/health", {}),
        ("GET", "/api/health/memory", {}),
        ("GET", "/api/venues?page=1&page_size=20", {}),
        ("GET", "/api/items?page=1&page_size=20", {}),
        ("GET", "/api/bookings?page=1&page_size=50", auth),
        ("GET", "/api/auth/me", auth),
        ("GET", "/api/health/pool", {}),
        ("GET", "/api/venues/999999", {}),
    ] * 12
    mix += [
        ("GET", "/schema/openapi.json", {"headers": {"Accept-Encoding": "gzip"}}),
        ("GET", "/metrics", {}),
        ("POST", "/api/auth/login", {"content": oversized, "headers": {"Content-Type": "application/json"}}),
    ]
    return mix


async def drive(service: RunningService, total: int, warmup: int, concurrency: int) -> dict[str, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with service.async_client(limits=limits, timeout=60) as client:
        mix = request_mix(await signed_in_token(client))
        plan = itertools.islice(itertools.cycle(mix), total)
        done = 0
        statuses: dict[int, int] = {}
        after_warmup = 0
        started = time.perf_counter()

        async def worker() -> None:
            nonlocal done, after_warmup
            for method, path, options in plan:
                answer = await client.request(method, path, **options)  # type: ignore[arg-type]
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
                done += 1
                if done == warmup:
                    after_warmup = service.process_tree_rss()

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"after_warmup": after_warmup, "seconds": elapsed, "statuses": statuses}  # type: ignore[dict-item]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    rows = []
    for workers in (1, 2):
        with (
            tempfile.TemporaryDirectory(prefix="lebrq-bench-") as folder,
            running_service(Path(folder), config={"workers": workers}) as service,
        ):
            idle = settled_rss(service)
            result = asyncio.run(drive(service, args.requests, args.warmup, args.concurrency))
            final = service.process_tree_rss()
            growth = (final - result["after_warmup"]) / result["after_warmup"]
            rows.append((workers, idle, result, final, growth))
            assert service.terminate() == 0

    print(
        f"# lebrq server memory, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, Python {platform.python_version()}"
    )
    print(
        f"# {args.requests} mixed requests, {args.warmup} of them warm-up, {args.concurrency} in flight, HTTP/1.1 over TLS"
    )
    print(
        "| workers | processes | idle MiB | after warm-up MiB | after all MiB | growth after warm-up | req/s | statuses |"
    )
    print("|---|---|---|---|---|---|---|---|")
    ok = True
    for workers, idle, result, final, growth in rows:
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(result["statuses"].items()))  # type: ignore[union-attr]
        print(
            f"| {workers} | {workers + 1} | {idle / MIB:.1f} | {result['after_warmup'] / MIB:.1f} | {final / MIB:.1f} "
            f"| {growth * 100:+.1f}% | {args.requests / result['seconds']:.0f} | {statuses} |"
        )
        ok = ok and growth <= TARGET_GROWTH
    print(f"target: growth after warm-up <= {TARGET_GROWTH:.0%}: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
