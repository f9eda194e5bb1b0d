"""Benchmark: invoice PDF downloads through the real service (lebrq serve -> Granian,
one worker, TLS, SQLite): the first download of an invoice (rendered, stored) against
later downloads (streamed from storage), and memory while 50 invoices are downloaded
for the first time 8 at a time, once with rendering in a spawned process pool
(PDF_RENDER_POOL=process, the default) and once in a thread of the worker.

    .venv/bin/python benchmarks/invoices.py [--invoices 50] [--concurrency 8] [--modes process,thread]

Reported per mode: latency of the very first download (includes starting the pool),
p50/p95 of 50 first downloads and of 50 cached downloads, the Granian worker's RSS when
idle before, at its peak during, and idle after the renders, and the peak RSS of the
whole server (supervisor + worker + rendering process). Everything lives in a temporary
folder, deleted afterwards. Prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil

from tests.support.granian_process import RunningService, running_service
from tests.support.rss import RssSampler

MIB = 1024 * 1024
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "bench-password-1"


def worker_rss(service: RunningService) -> int:
    """RSS of the Granian worker(s): the supervisor's direct children only (a rendering
    pool process is a child of the worker and is not counted here)."""
    try:
        children = psutil.Process(service.pid).children(recursive=False)
        return sum(child.memory_info().rss for child in children)
    except psutil.NoSuchProcess:
        return 0


def seed(service: RunningService, count: int) -> tuple[dict[str, str], list[int]]:
    """A venue, an item, a user and `count` confirmed bookings; returns the user's
    Authorization header and the booking ids."""
    with service.client(timeout=60) as client:
        admin = _login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
        venue = client.post(
            "/api/admin/venues",
            json={"name": "Banyan Hall", "capacity": 120, "hourly_rate_paise": 1_500_00},
            headers=admin,
        ).json()
        item = client.post("/api/admin/items", json={"name": "Projector", "price_paise": 750_00}, headers=admin).json()
        client.post(
            "/api/auth/register",
            json={"email": "buyer@example.com", "password": "buyer-password-1", "name": "Asha Rao"},
        ).raise_for_status()
        user = _login(client, "buyer@example.com", "buyer-password-1")
        first = (datetime.now(UTC) + timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
        ids = []
        for n in range(count):
            start = first + timedelta(hours=2 * n)
            answer = client.post(
                "/api/bookings",
                json={
                    "venue_id": venue["id"],
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                    "items": [{"item_id": item["id"], "quantity": 1 + n % 5}],
                    "notes": f"booking {n}",
                },
                headers=user,
            )
            answer.raise_for_status()
            booking_id = answer.json()["id"]
            client.post(
                f"/api/admin/bookings/{booking_id}/confirm", json={"payment_reference": f"UTR-{n}"}, headers=admin
            ).raise_for_status()
            ids.append(booking_id)
    return user, ids


def _login(client, email: str, password: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    answer = client.post("/api/auth/login", json={"email": email, "password": password})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def download_all(service: RunningService, user: dict[str, str], ids: list[int], concurrency: int) -> list[float]:
    """Downloads each booking's invoice, `concurrency` at a time; seconds per request."""
    gate = asyncio.Semaphore(concurrency)
    async with service.async_client(timeout=120, limits=_limits(concurrency)) as client:

        async def one(booking_id: int) -> float:
            async with gate:
                started = time.perf_counter()
                answer = await client.get(f"/api/bookings/{booking_id}/invoice", headers=user)
                answer.raise_for_status()
                assert answer.content.startswith(b"%PDF")
                return time.perf_counter() - started

        return list(await asyncio.gather(*(one(booking_id) for booking_id in ids)))


def _limits(concurrency: int):  # type: ignore[no-untyped-def]
    import httpx

    return httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)


def measure(mode: str, invoices: int, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="lebrq-bench-invoices-", dir=ROOT) as folder:
        env = {
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "PDF_RENDER_POOL": mode,
            "LOG_LEVEL": "WARNING",
        }
        with running_service(Path(folder), config={"workers": 1}, env=env) as service:
            user, ids = seed(service, invoices + 1)
            gc.collect()
            time.sleep(1.0)
            idle_before = worker_rss(service)
            cold = asyncio.run(download_all(service, user, ids[:1], 1))[0]
            with (
                RssSampler(lambda: worker_rss(service), 0.01) as worker,
                RssSampler(service.process_tree_rss, 0.01) as server,
            ):
                first = asyncio.run(download_all(service, user, ids[1:], concurrency))
            cached = asyncio.run(download_all(service, user, ids[1:], concurrency))
            time.sleep(2.0)
            idle_after = worker_rss(service)
            tree_after = service.process_tree_rss()
            service.terminate()
    return {
        "cold": cold,
        "first_p50": statistics.median(first),
        "first_p95": _p95(first),
        "cached_p50": statistics.median(cached),
        "cached_p95": _p95(cached),
        "idle_before": idle_before / MIB,
        "worker_peak": worker.peak / MIB,
        "idle_after": idle_after / MIB,
        "tree_peak": server.peak / MIB,
        "tree_after": tree_after / MIB,
    }


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--modes", default="process,thread")
    args = parser.parse_args()
    print(
        f"# invoices benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
        f"{psutil.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}"
    )
    print(f"# {args.invoices} invoices downloaded {args.concurrency} at a time, one Granian worker, TLS, SQLite")
    header = (
        "pool",
        "cold 1st ms",
        "1st p50 ms",
        "1st p95 ms",
        "cached p50 ms",
        "cached p95 ms",
        "worker idle MiB",
        "worker peak MiB",
        "worker after MiB",
        "server peak MiB",
        "server after MiB",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for mode in args.modes.split(","):
        r = measure(mode.strip(), args.invoices, args.concurrency)
        cells = [
            mode,
            *(f"{r[k] * 1000:.0f}" for k in ("cold", "first_p50", "first_p95", "cached_p50", "cached_p95")),
            *(f"{r[k]:.1f}" for k in ("idle_before", "worker_peak", "idle_after", "tree_peak", "tree_after")),
        ]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
