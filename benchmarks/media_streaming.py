"""Benchmark: a 1 GiB upload and download through the real service under Granian,
compared with raw `dd` on the same disk, and the server's peak RSS growth meanwhile.

    .venv/bin/python benchmarks/media_streaming.py [--size-mib 1024] [--keep-going]

Prints a table; targets: upload >= 60% of dd write (conv=fsync, since the service
fsyncs too), download >= 80% of dd read, RSS growth < 24 MiB each. curl is the client
(over TLS, HTTP/1.1, as a browser or app would use it), so the client's own cost stays
small on a 2-core machine. Everything lives in one temporary folder next to the
working directory (the same disk) and is deleted afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.granian_process import RunningService, running_service  # noqa: E402
from tests.support.media import SIGNATURES, closing, part_header  # noqa: E402

MIB = 1024 * 1024
TARGET_UPLOAD_RATIO = 0.60
TARGET_DOWNLOAD_RATIO = 0.80
TARGET_RSS_GROWTH = 24 * MIB
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "bench-password-1"


class RssSampler:
    def __init__(self, read: Callable[[], int], interval: float = 0.05) -> None:
        self._read, self._interval = read, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._read())
            self._stop.wait(self._interval)


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return time.perf_counter() - started, result.stdout


def dd_write(path: Path, size_mib: int) -> float:
    seconds, _ = timed(["dd", "if=/dev/zero", f"of={path}", "bs=1M", f"count={size_mib}", "conv=fsync", "status=none"])
    return size_mib * MIB / seconds


def dd_read(path: Path) -> float:
    evict_from_page_cache(path)
    seconds, _ = timed(["dd", f"if={path}", "of=/dev/null", "bs=1M", "status=none"])
    return path.stat().st_size / seconds


def evict_from_page_cache(path: Path) -> None:
    """So the next read comes from the disk, for dd and for the service alike (the file
    was fsynced, so its pages are clean and the kernel drops them; no root needed)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def stored_file(service: RunningService, size: int) -> Path:
    return next(p for p in (service.var_dir / "media").rglob("*") if p.is_file() and p.stat().st_size == size)


def write_multipart_body(path: Path, size: int, boundary: str) -> str:
    """The upload body as a file (built before timing); returns the file part's sha256."""
    digest = hashlib.sha256()
    block = os.urandom(MIB)
    with path.open("wb") as out:
        out.write(part_header(boundary, "file", "bench.mp4", "video/mp4"))
        head = SIGNATURES["video/mp4"]
        out.write(head)
        digest.update(head)
        remaining, counter = size - len(head), 0
        while remaining > 0:
            piece = (counter.to_bytes(8, "little") + block[8:])[: min(MIB, remaining)]
            out.write(piece)
            digest.update(piece)
            remaining -= len(piece)
            counter += 1
        out.write(b"\r\n" + closing(boundary))
    return digest.hexdigest()


def curl(service: RunningService, *args: str) -> list[str]:
    return ["curl", "-sS", "--fail-with-body", "--http1.1", "--cacert", str(service.ca_certificate), *args]


def login(service: RunningService) -> str:
    with service.client() as client:
        answer = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        answer.raise_for_status()
        return str(answer.json()["access_token"])


def upload(service: RunningService, token: str, body: Path, boundary: str) -> tuple[float, dict]:
    import json

    seconds, output = timed(
        curl(
            service,
            "-X", "POST",
            "-H", f"Authorization: Bearer {token}",
            "-H", f"Content-Type: multipart/form-data; boundary={boundary}",
            "-T", str(body),
            f"{service.base_url}/api/uploads/video",
        )
    )
    return seconds, json.loads(output)


def download(service: RunningService, url: str, target: str = "/dev/null") -> float:
    seconds, _ = timed(curl(service, "-o", target, f"{service.base_url}{url}"))
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    options = parser.parse_args()
    size = options.size_mib * MIB

    work = Path(tempfile.mkdtemp(prefix="lebrq-media-bench-", dir=ROOT))
    try:
        dd_file = work / "dd.bin"
        dd_write_bps = dd_write(dd_file, options.size_mib)
        dd_read_bps = dd_read(dd_file)
        dd_file.unlink()

        boundary = f"bench-{uuid.uuid4().hex}"
        body = work / "body.multipart"
        expected_sha256 = write_multipart_body(body, size, boundary)

        env = {"ADMIN_EMAIL": ADMIN_EMAIL, "ADMIN_PASSWORD": ADMIN_PASSWORD, "UPLOAD_VIDEO_MAX_MB": str(options.size_mib + 16)}
        with running_service(work / "service", env=env, config={"access-log": False}) as service:
            token = login(service)
            # Warm-up: first upload and download load their code paths.
            warm_boundary = "warm"
            warm = work / "warm.multipart"
            write_multipart_body(warm, 4 * MIB, warm_boundary)
            _, warm_media = upload(service, token, warm, warm_boundary)
            download(service, warm_media["url"])
            warm.unlink()

            baseline = service.process_tree_rss()
            with RssSampler(service.process_tree_rss) as upload_rss:
                upload_seconds, media = upload(service, token, body, boundary)
            body.unlink()
            evict_from_page_cache(stored_file(service, size))
            baseline_download = service.process_tree_rss()
            with RssSampler(service.process_tree_rss) as download_rss:
                download_seconds = download(service, media["url"])
            assert media["size"] == size and media["sha256"] == expected_sha256, "stored file differs from the upload"
            service.terminate()

        upload_bps, download_bps = size / upload_seconds, size / download_seconds
        rows = [
            ("upload", upload_seconds, upload_bps, "dd write (fsync)", dd_write_bps, TARGET_UPLOAD_RATIO, upload_rss.peak - baseline),
            ("download", download_seconds, download_bps, "dd read (cold)", dd_read_bps, TARGET_DOWNLOAD_RATIO, download_rss.peak - baseline_download),
        ]
        print(f"lebrq media streaming, {options.size_mib} MiB, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
              f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()})")
        header = f"{'transfer':<9} {'seconds':>8} {'MB/s':>8} {'vs':<17} {'MB/s':>8} {'ratio':>6} {'target':>7} {'RSS growth':>11} {'ok':>4}"
        print(header)
        print("-" * len(header))
        failed = False
        for name, seconds, bps, versus, dd_bps, target, growth in rows:
            ok = bps / dd_bps >= target and growth < TARGET_RSS_GROWTH
            failed |= not ok
            print(
                f"{name:<9} {seconds:>8.2f} {bps / 1e6:>8.0f} {versus:<17} {dd_bps / 1e6:>8.0f} "
                f"{bps / dd_bps:>6.0%} {'>=' + format(target, '.0%'):>7} {growth / MIB:>8.1f} MiB {'yes' if ok else 'NO':>4}"
            )
        print(f"stored sha256 matches: yes; RSS growth target < {TARGET_RSS_GROWTH // MIB} MiB")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
