"""Benchmark (issue 14): memory at rest and list costs that do not grow with the data.

    ./dev bench footprint [--seconds 10] [--skip-memory] [--skip-lists] [--skip-ranges] [--png FILE]

Real service: `lebrq serve` -> Granian, TLS (development certificate), MariaDB on
127.0.0.1, in a folder of its own under the checkout (deleted afterwards), run from a
production install of this checkout (`pip install .`, no test tools: see
benchmarks/production_install.py; `--development-venv` runs it from .venv). Prints:

1. Memory, with 1 and then 2 workers: RSS of the whole process tree (supervisor, workers
   and any child such as the PDF renderer) and each worker's USS, at idle, right after a
   workload (admin and own booking lists under wrk, a 1 GiB upload and download, 100
   random Range GETs, 20 bookings confirmed and their invoices downloaded 200 times), and
   60 s later; plus the processes alive at each point. A PNG of the tree's RSS over time.
2. GET /api/admin/bookings?page_size=50 under wrk (16 connections) at 100,000 and at
   1,000,000 bookings: page 1, page 2,000, and the page 100,000 rows deep by `cursor`;
   and the same three sequentially (median of 20 requests). The two databases' services
   run side by side and take turns, 3 rounds each (req/s: mean; latencies: median).
3. 100 random Range GETs (offset uniform, length log-uniform 1 B..4 MiB, fixed seed) of a
   1 GiB file over one keep-alive connection, cold (file evicted from the page cache)
   and again (the same ranges, i.e. seeking back).

The bookings live in two MariaDB databases kept between runs (`lebrq_bench14_100k`,
`lebrq_bench14_1m`), seeded on the first run (~4 min) and migrated on every run; no other
database is touched. Targets are in issue 14 and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil
from benchmarks.bookings_list import _ms
from benchmarks.media_streaming import evict_from_page_cache, stored_file, write_multipart_body
from benchmarks.production_install import production_python

from lebrq.adapters.sql.demo_data import seed_demo
from lebrq.adapters.sql.engine import create_engine
from lebrq.commands.seed_demo import DEMO_PASSWORD
from tests.support.granian_process import RunningService, running_service

MIB = 1024 * 1024
MARIADB = os.environ.get("LEBRQ_BENCH_MARIADB", "mysql+asyncmy://root@127.0.0.1:3306")
DATABASES = {100_000: "lebrq_bench14_100k", 1_000_000: "lebrq_bench14_1m"}
# Turns each list path takes on each database (lists_part).
LIST_ROUNDS = 3
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "bench-password-1"
FILE_SIZE = 1024 * MIB
TARGETS = {
    "idle_tree_1w": 100 * MIB,
    "after60_tree_1w": 110 * MIB,
    "worker_uss": 45 * MIB,
    "list_1m_vs_100k": 0.80,
    "cursor_vs_page1": 2.0,
    "range_mibps": 78.6,
    "range_p50_ms": 2.1,
}


# --- databases ---------------------------------------------------------------------------


def database_url(bookings: int) -> str:
    return f"{MARIADB}/{DATABASES[bookings]}"


def prepare_database(bookings: int) -> None:
    """Create, migrate and (the first time) seed the benchmark's own database."""
    import pymysql

    name = DATABASES[bookings]
    connection = pymysql.connect(host="127.0.0.1", user="root")
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
    finally:
        connection.close()
    env = {**os.environ, "DATABASE_URL": database_url(bookings), "JWT_SECRET": "bench-" + "x" * 40}
    subprocess.run([sys.executable, "-m", "lebrq.cli", "db", "upgrade"], env=env, check=True, capture_output=True)
    have = asyncio.run(_count_bookings(database_url(bookings)))
    if have < bookings:
        print(f"seeding {bookings - have:,} bookings into {name} (once; kept for later runs)", file=sys.stderr)
        asyncio.run(_seed(database_url(bookings), bookings - have))


async def _count_bookings(url: str) -> int:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as connection:
            return int((await connection.exec_driver_sql("SELECT COUNT(*) FROM bookings")).scalar_one())
    finally:
        await engine.dispose()


async def _seed(url: str, bookings: int) -> None:
    from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher

    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        password_hash = await Argon2PasswordHasher(memory_kib=8192).hash(DEMO_PASSWORD)
        await seed_demo(
            engine,
            bookings_count=bookings,
            users_count=max(10, bookings // 50),
            venues_count=20,
            password_hash=password_hash,
        )
    finally:
        await engine.dispose()


# --- the service -------------------------------------------------------------------------


EXTRA_ENV: dict[str, str] = {}
WORKER_COUNTS = [1, 2]
# The interpreter the service runs with: a production install's (see main).
SERVICE_PYTHON = [sys.executable]


def start(work: Path, bookings: int, workers: int) -> Any:
    env = {
        **EXTRA_ENV,
        "DATABASE_URL": database_url(bookings),
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "LOG_LEVEL": "WARNING",
        "UPLOAD_VIDEO_MAX_MB": str(FILE_SIZE // MIB + 16),
        "SELLER_GSTIN": "29ABCDE1234F1Z5",
    }
    return running_service(
        work / f"service-{bookings}-{workers}w",
        config={"workers": workers, "access-log": False},
        env=env,
        python=SERVICE_PYTHON[0],
    )


def token(service: RunningService, email: str, password: str) -> str:
    with service.client(timeout=30) as client:
        answer = client.post("/api/auth/login", json={"email": email, "password": password})
        answer.raise_for_status()
        return str(answer.json()["access_token"])


def uss(process: psutil.Process) -> int:
    return int(process.memory_full_info().uss)


class Snapshot:
    def __init__(self, service: RunningService) -> None:
        processes = service.processes()
        self.tree_rss = sum(p.memory_info().rss for p in processes)
        # Granian's workers are the supervisor's children (a render child is a worker's).
        workers = {p.pid for p in processes if p.ppid() == service.pid}
        self.worker_uss = [uss(p) for p in processes if p.pid in workers]
        self.worker_rss = [p.memory_info().rss for p in processes if p.pid in workers]
        self.processes = [_describe(p, service.pid, workers) for p in processes]

    def row(self) -> str:
        workers = ", ".join(f"{u / MIB:.1f}" for u in self.worker_uss)
        return f"tree RSS {self.tree_rss / MIB:6.1f} MiB | worker USS {workers} MiB | {len(self.processes)} processes: {' + '.join(self.processes)}"


def _describe(process: psutil.Process, supervisor: int, workers: set[int]) -> str:
    if process.pid == supervisor:
        return "supervisor"
    if process.pid in workers:
        return "worker"
    command = " ".join(process.cmdline())
    return "pdf-child" if "render_child" in command else process.name()


class Timeline:
    """The tree's RSS every half second, for the PNG."""

    def __init__(self) -> None:
        self.points: list[tuple[str, float, int]] = []
        self.marks: list[tuple[str, float, str]] = []
        self._started = time.monotonic()
        self._service: RunningService | None = None
        self._label = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def follow(self, service: RunningService | None, label: str = "") -> None:
        self._service, self._label = service, label

    def mark(self, text: str) -> None:
        self.marks.append((self._label, time.monotonic() - self._started, text))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            service = self._service
            if service is None:
                continue
            try:
                rss = service.process_tree_rss()
            except (psutil.Error, OSError):
                continue
            self.points.append((self._label, time.monotonic() - self._started, rss))


# --- workloads ---------------------------------------------------------------------------


def wrk(service: RunningService, bearer: str, path: str, seconds: int, connections: int = 16) -> dict[str, float]:
    command = [
        "wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s",
        "-H", f"Authorization: Bearer {bearer}", f"{service.base_url}{path}",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    import re

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+([\d.]+\w+)", output, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rps": rps, "p50": p50, "errors": float(errors.group(1)) if errors else 0.0}


def sequential_ms(service: RunningService, bearer: str, path: str, times: int = 20) -> float:
    with service.client(timeout=60, headers={"Authorization": f"Bearer {bearer}"}) as client:
        client.get(path).raise_for_status()
        took = []
        for _ in range(times):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            took.append((time.perf_counter() - started) * 1000)
    return statistics.median(took)


def cursor_of_page(service: RunningService, bearer: str, page: int) -> str:
    """The cursor of admin list page `page` (50 rows each): the previous page's next_cursor."""
    with service.client(timeout=120, headers={"Authorization": f"Bearer {bearer}"}) as client:
        previous = client.get(f"/api/admin/bookings?page_size=50&page={page - 1}").json()
    return str(previous["pagination"]["next_cursor"])


def upload_video(service: RunningService, bearer: str, body: Path, boundary: str) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    output = subprocess.run(
        [
            "curl", "-sS", "--fail-with-body", "--http1.1", "--cacert", str(service.ca_certificate),
            "-X", "POST", "-H", f"Authorization: Bearer {bearer}",
            "-H", f"Content-Type: multipart/form-data; boundary={boundary}",
            "-T", str(body), f"{service.base_url}/api/uploads/video",
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return time.perf_counter() - started, json.loads(output)


def download_seconds(service: RunningService, url: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["curl", "-sS", "--fail", "--http1.1", "--cacert", str(service.ca_certificate), "-o", "/dev/null", f"{service.base_url}{url}"],
        check=True,
    )  # fmt: skip
    return time.perf_counter() - started


def random_ranges(size: int, count: int = 100, seed: int = 14) -> list[tuple[int, int]]:
    chooser = random.Random(seed)
    ranges = []
    for _ in range(count):
        length = max(1, min(4 * MIB, int(2 ** chooser.uniform(0, 22))))
        start = chooser.randrange(0, size - length)
        ranges.append((start, start + length - 1))
    return ranges


def range_gets(service: RunningService, url: str, ranges: list[tuple[int, int]]) -> tuple[float, float]:
    """(MiB/s over the whole run, p50 ms) of sequential Range GETs on one connection."""
    with service.client(timeout=60) as client:
        client.get(url, headers={"Range": "bytes=0-0"})  # connection and TLS set up before timing
        took, moved = [], 0
        run_started = time.perf_counter()
        for first, last in ranges:
            started = time.perf_counter()
            answer = client.get(url, headers={"Range": f"bytes={first}-{last}"})
            took.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 206 and len(answer.content) == last - first + 1, answer.status_code
            moved += len(answer.content)
        elapsed = time.perf_counter() - run_started
    return moved / MIB / elapsed, statistics.median(took)


def confirm_and_download_invoices(
    service: RunningService, admin: str, bookings: int = 20, downloads: int = 200
) -> float:
    """Books `bookings` far-future slots as a demo user, confirms them (each invoice is
    rendered in the background) and downloads the invoices `downloads` times in all;
    returns the median download time in ms."""
    user = token(service, "demo1@lebrq.test", DEMO_PASSWORD)
    ids = []
    with service.client(timeout=60) as client:
        venues = client.get("/api/venues?page_size=5").json()["items"]
        base = datetime(2031 + random.randrange(0, 60), 1, 1, 4, 0, tzinfo=UTC) + timedelta(
            days=random.randrange(0, 300)
        )
        for n in range(bookings):
            start = base + timedelta(hours=3 * n)
            created = client.post(
                "/api/bookings",
                json={
                    "venue_id": venues[0]["id"],
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                },
                headers={"Authorization": f"Bearer {user}"},
            )
            created.raise_for_status()
            booking_id = created.json()["id"]
            client.post(
                f"/api/admin/bookings/{booking_id}/confirm",
                json={"payment_reference": f"UTR-{uuid.uuid4().hex[:10]}"},
                headers={"Authorization": f"Bearer {admin}"},
            ).raise_for_status()
            ids.append(booking_id)
        took = []
        for n in range(downloads):
            started = time.perf_counter()
            answer = client.get(
                f"/api/bookings/{ids[n % len(ids)]}/invoice", headers={"Authorization": f"Bearer {user}"}
            )
            took.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200 and answer.content[:5] == b"%PDF-", answer.status_code
    return statistics.median(took)


# --- the three parts -----------------------------------------------------------------------


def memory_part(work: Path, timeline: Timeline, seconds: int, body: Path, boundary: str) -> list[str]:
    lines = []
    for workers in WORKER_COUNTS:
        with start(work, 100_000, workers) as service:
            label = f"{workers} worker{'s' if workers > 1 else ''}"
            timeline.follow(service, label)
            time.sleep(5)
            idle = Snapshot(service)
            timeline.mark("workload")
            admin = token(service, ADMIN_EMAIL, ADMIN_PASSWORD)
            user = token(service, "demo1@lebrq.test", DEMO_PASSWORD)
            wrk(service, admin, "/api/admin/bookings?page_size=50", seconds)
            wrk(service, user, "/api/bookings?page_size=50", max(3, seconds // 2))
            upload_s, media = upload_video(service, admin, body, boundary)
            evict_from_page_cache(stored_file(service, FILE_SIZE))
            download_s = download_seconds(service, media["url"])
            range_gets(service, media["url"], random_ranges(FILE_SIZE))
            invoice_ms = confirm_and_download_invoices(service, admin)
            after = Snapshot(service)
            timeline.mark("idle")
            time.sleep(60)
            later = Snapshot(service)
            timeline.mark("end")
            service.terminate()
            timeline.follow(None)
        lines += [
            f"{label}: idle          {idle.row()}",
            f"{label}: after workload {after.row()}",
            f"{label}: 60 s later    {later.row()}",
            f"{label}: 1 GiB upload {FILE_SIZE / upload_s / 1e6:.0f} MB/s, download {FILE_SIZE / download_s / 1e6:.0f} MB/s; "
            f"invoice download p50 {invoice_ms:.1f} ms",
        ]
        if workers == 1:
            lines.append(
                verdict("idle tree RSS, 1 worker", idle.tree_rss, TARGETS["idle_tree_1w"], lower=True)
                + "; "
                + verdict("60 s after, 1 worker", later.tree_rss, TARGETS["after60_tree_1w"], lower=True)
                + f"; processes 60 s after: {' + '.join(later.processes)}"
            )
        lines.append(verdict(f"worker USS idle ({label})", max(idle.worker_uss), TARGETS["worker_uss"], lower=True))
    return lines


def lists_part(work: Path, timeline: Timeline, seconds: int) -> list[str]:
    """Both databases' services run side by side and take turns, LIST_ROUNDS times per
    path: the machine's speed drifts by tens of percent within minutes here, and one run
    of each, minutes apart, compared the drift as much as the two table sizes."""
    with start(work, 100_000, 1) as small, start(work, 1_000_000, 1) as large:
        services = {100_000: small, 1_000_000: large}
        timeline.follow(large, "lists 1,000,000 (100,000 alongside)")
        admins = {bookings: token(service, ADMIN_EMAIL, ADMIN_PASSWORD) for bookings, service in services.items()}
        paths = {bookings: _list_paths(service, admins[bookings]) for bookings, service in services.items()}
        for bookings, service in services.items():
            wrk(service, admins[bookings], paths[bookings]["page 1"], 3)  # warm-up
        runs: dict[int, dict[str, list[dict[str, float]]]] = {bookings: {} for bookings in services}
        for name in paths[100_000]:
            for _ in range(LIST_ROUNDS):
                for bookings, service in services.items():
                    path = paths[bookings][name]
                    run = {
                        **wrk(service, admins[bookings], path, seconds),
                        "sequential": sequential_ms(service, admins[bookings], path),
                    }
                    runs[bookings].setdefault(name, []).append(run)
        for service in services.values():
            service.terminate()
        timeline.follow(None)
    # Equal durations: the mean of the rounds' req/s is all requests over all the time.
    results = {
        bookings: {
            name: {
                "rps": statistics.mean(run["rps"] for run in rounds),
                "p50": statistics.median(run["p50"] for run in rounds),
                "sequential": statistics.median(run["sequential"] for run in rounds),
                "errors": sum(run["errors"] for run in rounds),
            }
            for name, rounds in by_path.items()
        }
        for bookings, by_path in runs.items()
    }
    lines = []
    for name in ("page 1", "page 2,000", "page 2,000 by cursor"):
        cells = [
            f"{bookings:,}: {r[name]['rps']:.0f} req/s (p50 {r[name]['p50']:.1f} ms), one at a time {r[name]['sequential']:.1f} ms"
            + (f", {r[name]['errors']:.0f} non-2xx" if r[name]["errors"] else "")
            for bookings, r in results.items()
        ]
        lines.append(f"admin list {name:20s} | " + " | ".join(cells))
    ratio = results[1_000_000]["page 1"]["rps"] / results[100_000]["page 1"]["rps"]
    lines.append(verdict("page 1 at 1M / at 100k (req/s)", ratio, TARGETS["list_1m_vs_100k"], lower=False, unit=""))
    for bookings, r in results.items():
        step = r["page 2,000 by cursor"]["sequential"] / r["page 1"]["sequential"]
        lines.append(
            verdict(
                f"page 2,000 by cursor / page 1 (ms, {bookings:,})",
                step,
                TARGETS["cursor_vs_page1"],
                lower=True,
                unit="",
            )
        )
    return lines


def _list_paths(service: RunningService, admin: str) -> dict[str, str]:
    cursor = cursor_of_page(service, admin, 2_000)  # rows 99,951-100,000
    return {
        "page 1": "/api/admin/bookings?page_size=50",
        "page 2,000": "/api/admin/bookings?page_size=50&page=2000",
        "page 2,000 by cursor": f"/api/admin/bookings?page_size=50&cursor={cursor}",
    }


def ranges_part(work: Path, timeline: Timeline, body: Path, boundary: str) -> list[str]:
    with start(work, 100_000, 1) as service:
        timeline.follow(service, "ranges")
        admin = token(service, ADMIN_EMAIL, ADMIN_PASSWORD)
        _, media = upload_video(service, admin, body, boundary)
        evict_from_page_cache(stored_file(service, FILE_SIZE))
        ranges = random_ranges(FILE_SIZE)
        cold = range_gets(service, media["url"], ranges)
        again = range_gets(service, media["url"], ranges)
        service.terminate()
        timeline.follow(None)
    return [
        f"100 Range GETs of 1 GiB, cold:  {cold[0]:.1f} MiB/s, p50 {cold[1]:.2f} ms",
        f"100 Range GETs of 1 GiB, again: {again[0]:.1f} MiB/s, p50 {again[1]:.2f} ms",
        verdict("ranges cold MiB/s", cold[0], TARGETS["range_mibps"], lower=False, unit=" MiB/s")
        + "; "
        + verdict("ranges cold p50", cold[1], TARGETS["range_p50_ms"], lower=True, unit=" ms"),
    ]


def verdict(name: str, value: float, target: float, *, lower: bool, unit: str = " MiB") -> str:
    scale = MIB if unit == " MiB" else 1
    met = value <= target if lower else value >= target
    sign = "<=" if lower else ">="
    return f"{name}: {value / scale:.2f}{unit} ({'met' if met else 'MISSED'}: {sign} {target / scale:.2f}{unit})"


def draw_png(timeline: Timeline, path: Path) -> None:
    """RSS of the process tree over time, one panel per service run (Pillow, which fpdf2 brings)."""
    from PIL import Image, ImageDraw

    labels = list(dict.fromkeys(label for label, _, _ in timeline.points))
    if not labels:
        return
    width, panel, margin = 1100, 220, 60
    image = Image.new("RGB", (width, panel * len(labels) + 20), "white")
    draw = ImageDraw.Draw(image)
    top_mib = max(rss for _, _, rss in timeline.points) / MIB * 1.1
    for index, label in enumerate(labels):
        points = [(t, rss) for name, t, rss in timeline.points if name == label]
        t0, t1 = points[0][0], max(points[-1][0], points[0][0] + 1)
        y0 = index * panel + 20
        left, right, bottom, top = margin, width - 20, y0 + panel - 30, y0 + 10
        draw.rectangle((left, top, right, bottom), outline="black")
        for mib in range(0, int(top_mib) + 1, 50):
            y = bottom - (bottom - top) * mib / top_mib
            draw.line((left, y, right, y), fill=(225, 225, 225))
            draw.text((5, y - 6), f"{mib} MiB", fill="black")
        for target in (100, 110):
            y = bottom - (bottom - top) * target / top_mib
            draw.line((left, y, right, y), fill=(230, 120, 120))
        xy = [
            (left + (right - left) * (t - t0) / (t1 - t0), bottom - (bottom - top) * rss / MIB / top_mib)
            for t, rss in points
        ]
        if len(xy) > 1:
            draw.line(xy, fill=(30, 90, 200), width=2)
        for name, t, text in timeline.marks:
            if name == label:
                x = left + (right - left) * (t - t0) / (t1 - t0)
                draw.line((x, top, x, bottom), fill=(120, 180, 120))
                draw.text((x + 3, top + 2), text, fill=(60, 120, 60))
        draw.text(
            (left + 5, bottom + 5),
            f"{label}: process tree RSS, {t1 - t0:.0f} s (red: 100/110 MiB targets)",
            fill="black",
        )
    image.save(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-lists", action="store_true")
    parser.add_argument("--skip-ranges", action="store_true")
    parser.add_argument("--png", type=Path, default=ROOT / "var" / "footprint.png")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts of the memory part")
    parser.add_argument("--env", action="append", default=[], help="KEY=VALUE for the service (experiments)")
    parser.add_argument(
        "--development-venv",
        action="store_true",
        help="run the service from this venv (test tools installed) instead of a production install",
    )
    args = parser.parse_args()
    if not args.development_venv:
        SERVICE_PYTHON[0] = production_python()
    WORKER_COUNTS[:] = args.workers
    EXTRA_ENV.update(item.split("=", 1) for item in args.env)
    if shutil.which("wrk") is None or shutil.which("curl") is None:
        print("wrk and curl are needed: ./dev bench footprint installs them", file=sys.stderr)
        return 2
    for bookings in DATABASES:
        prepare_database(bookings)
    work = Path(tempfile.mkdtemp(prefix="lebrq-footprint-", dir=ROOT))
    timeline = Timeline()
    lines: list[str] = []
    try:
        boundary = f"bench-{uuid.uuid4().hex}"
        body = work / "body.multipart"
        if not (args.skip_memory and args.skip_ranges):
            write_multipart_body(body, FILE_SIZE, boundary)
        if not args.skip_memory:
            lines += memory_part(work, timeline, args.seconds, body, boundary)
        if not args.skip_lists:
            lines += lists_part(work, timeline, args.seconds)
        if not args.skip_ranges:
            lines += ranges_part(work, timeline, body, boundary)
    finally:
        timeline.stop()
        shutil.rmtree(work, ignore_errors=True)
    args.png.parent.mkdir(parents=True, exist_ok=True)
    draw_png(timeline, args.png)
    print(
        f"# footprint, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs, "
        f"{psutil.virtual_memory().total / 2**30:.1f} GiB, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"
    )
    for line in lines:
        print(line)
    print(f"PNG: {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
