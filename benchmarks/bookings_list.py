"""Benchmark: GET /api/bookings?page_size=50 under the real service (lebrq serve ->
Granian, one worker, TLS) on MariaDB with 100,000 bookings, at 16 and 64 connections;
then the server's peak RSS while streaming a 1,000,000-row CSV export.

    ./dev bench bookings_list [--bookings 100000] [--export-rows 1000000] [--seconds 15] [--skip-export]

Needs MariaDB at 127.0.0.1:3306 (LEBRQ_TEST_MARIADB) and `wrk` as the load generator
(a C client leaves the 2 cores to the server); `./dev bench` installs wrk and starts
MariaDB when they are missing. Works in a
database and a folder of its own, both deleted afterwards. Prints a table; the export
target is a peak RSS under 40 MiB above idle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil

from lebrq.adapters.sql.demo_data import seed_demo
from lebrq.adapters.sql.engine import create_engine
from lebrq.commands.seed_demo import DEMO_PASSWORD
from tests.support.databases import create_mariadb_database
from tests.support.granian_process import RunningService, running_service

MIB = 1024 * 1024
TARGET_EXPORT_RSS_GROWTH = 40 * MIB
CURL_EXTRA: list[str] = []
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "bench-password-1"


async def _seed(url: str, bookings: int, users: int, seed: int) -> str:
    from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher

    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        password_hash = await Argon2PasswordHasher().hash(DEMO_PASSWORD)
        report = await seed_demo(
            engine, bookings_count=bookings, users_count=users, password_hash=password_hash, batch_rows=5_000, seed=seed
        )
        return report.first_user_email
    finally:
        await engine.dispose()


def _token(service: RunningService, email: str, password: str) -> str:
    with service.client(timeout=30) as client:
        answer = client.post("/api/auth/login", json={"email": email, "password": password})
        answer.raise_for_status()
        return str(answer.json()["access_token"])


def _wrk(service: RunningService, token: str, connections: int, seconds: int) -> dict[str, float]:
    url = f"{service.base_url}/api/bookings?page_size=50"
    command = [
        "wrk",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--latency",
        "--timeout",
        "10s",
        "-H",
        f"Authorization: Bearer {token}",
        url,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    percentiles = {p: _ms(re.search(rf"^\s+{p}%\s+([\d.]+\w+)", output, re.M).group(1)) for p in ("50", "99")}  # type: ignore[union-attr]
    return {
        "rps": rps,
        "p50": percentiles["50"],
        "p99": percentiles["99"],
        "errors": float(errors.group(1)) if errors else 0.0,
    }


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def _export_peak(service: RunningService, token: str) -> tuple[int, int, int, float]:
    """(idle RSS, peak RSS, rows, seconds) of the worker while curl reads the export."""
    worker = psutil.Process(service.worker_pids()[-1])
    idle = worker.memory_info().rss
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, worker.memory_info().rss)
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    curl = subprocess.Popen(
        [
            "curl",
            "-sS",
            "--fail",
            *CURL_EXTRA,
            "--cacert",
            str(service.ca_certificate),
            "-H",
            f"Authorization: Bearer {token}",
            f"{service.base_url}/api/admin/bookings/export.csv",
        ],
        stdout=subprocess.PIPE,
    )
    assert curl.stdout is not None
    lines = sum(chunk.count(b"\n") for chunk in iter(lambda: curl.stdout.read(1 << 20), b""))  # type: ignore[union-attr]
    curl.wait()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return idle, peak, lines - 1, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--export-rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk run")
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed: run ./dev bench bookings_list (installs it) or apt-get install wrk", file=sys.stderr
        )
        return 2

    databases = create_mariadb_database()
    url = next(databases)
    work = Path(tempfile.mkdtemp(prefix="lebrq-bench-", dir=ROOT))
    rows: list[tuple[str, str]] = []
    try:
        started = time.perf_counter()
        user_email = asyncio.run(_seed(url, args.bookings, max(10, args.bookings // 50), seed=1))
        rows.append(("seed", f"{args.bookings:,} bookings in {time.perf_counter() - started:.1f} s"))
        env = {
            "DATABASE_URL": url,
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "LOG_LEVEL": "WARNING",
        }
        with running_service(work, config={"workers": 1}, env=env) as service:
            token = _token(service, user_email, DEMO_PASSWORD)
            _wrk(service, token, 16, 3)  # warm-up: pool, caches, JIT-free but lazy imports
            for connections in (16, 64):
                result = _wrk(service, token, connections, args.seconds)
                rows.append(
                    (
                        f"GET /api/bookings?page_size=50, {connections} connections",
                        f"{result['rps']:.0f} req/s, p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms"
                        + (f", {result['errors']:.0f} non-2xx" if result["errors"] else ""),
                    )
                )
            if not args.skip_export:
                extra = args.export_rows - args.bookings
                if extra > 0:
                    started = time.perf_counter()
                    asyncio.run(_seed(url, extra, 100, seed=2))
                    rows.append(("seed (export)", f"{extra:,} more bookings in {time.perf_counter() - started:.1f} s"))
                admin_token = _token(service, ADMIN_EMAIL, ADMIN_PASSWORD)
                idle, peak, exported, seconds = _export_peak(service, admin_token)
                growth = peak - idle
                verdict = "meets" if growth < TARGET_EXPORT_RSS_GROWTH else "MISSES"
                rows.append(
                    (
                        f"CSV export, {exported:,} rows",
                        f"{seconds:.1f} s ({exported / seconds:,.0f} rows/s); worker RSS idle {idle / MIB:.1f} MiB, "
                        f"peak {peak / MIB:.1f} MiB, +{growth / MIB:.1f} MiB ({verdict} < 40 MiB)",
                    )
                )
            service.terminate()
    finally:
        databases.close()
        shutil.rmtree(work, ignore_errors=True)

    machine = f"{platform.node()}: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.1f} GiB RAM, {platform.platform()}"
    print(f"\nbookings benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
