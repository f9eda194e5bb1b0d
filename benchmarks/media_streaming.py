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
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.granian_process import RunningService, running_service
from tests.support.media import SIGNATURES, closing, part_header
from tests.support.rss import RssSampler

MIB = 1024 * 1024
TARGET_UPLOAD_RATIO = 0.60
TARGET_DOWNLOAD_RATIO = 0.80
TARGET_RSS_GROWTH = 24 * MIB
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "bench-password-1"


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


# The same transfers through Granian and TLS with an app that does nothing: what this
# machine can carry at all, so the service's figures can be read against it.
NULL_APP = """
CHUNK = 256 * 1024
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    size = int(scope["query_string"] or 0)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", str(size).encode())]})
    block = bytes(CHUNK)
    for offset in range(0, size, CHUNK):
        await send({"type": "http.response.body", "body": block[: size - offset], "more_body": offset + CHUNK < size})
"""


def null_app_ceiling(work: Path, service: RunningService, body: Path, size: int) -> tuple[float, float]:
    """(upload, download) bytes/s of Granian + TLS + curl around an app that does nothing."""
    import socket

    (work / "null_app.py").write_text(NULL_APP)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    key = service.ca_certificate.with_name("dev-key.pem")
    granian = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--ssl-certificate",
            str(service.ca_certificate),
            "--ssl-keyfile",
            str(key),
            "null_app:app",
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"https://127.0.0.1:{port}"
        for _ in range(100):
            if subprocess.run(curl(service, "-o", "/dev/null", f"{base}/?0"), capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        up, _ = timed(curl(service, "-X", "POST", "-T", str(body), f"{base}/"))
        down, _ = timed(curl(service, "-o", "/dev/null", f"{base}/?{size}"))
        return body.stat().st_size / up, size / down
    finally:
        granian.terminate()
        granian.wait(timeout=30)


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
            "-X",
            "POST",
            "-H",
            f"Authorization: Bearer {token}",
            "-H",
            f"Content-Type: multipart/form-data; boundary={boundary}",
            "-T",
            str(body),
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

        env = {
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "UPLOAD_VIDEO_MAX_MB": str(options.size_mib + 16),
        }
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
            ceiling_up, ceiling_down = null_app_ceiling(work, service, body, size)
            body.unlink()
            evict_from_page_cache(stored_file(service, size))
            baseline_download = service.process_tree_rss()
            with RssSampler(service.process_tree_rss) as download_rss:
                download_seconds = download(service, media["url"])
            assert media["size"] == size and media["sha256"] == expected_sha256, "stored file differs from the upload"
            service.terminate()

        upload_bps, download_bps = size / upload_seconds, size / download_seconds
        rows = [
            (
                "upload",
                upload_seconds,
                upload_bps,
                "dd write (fsync)",
                dd_write_bps,
                TARGET_UPLOAD_RATIO,
                upload_rss.peak - baseline,
            ),
            (
                "download",
                download_seconds,
                download_bps,
                "dd read (cold)",
                dd_read_bps,
                TARGET_DOWNLOAD_RATIO,
                download_rss.peak - baseline_download,
            ),
        ]
        print(
            f"lebrq media streaming, {options.size_mib} MiB, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"{platform.node()} ({platform.machine()}, {os.cpu_count()} CPUs, {platform.python_version()})"
        )
        header = (
            f"{'transfer':<9} {'seconds':>8} {'MB/s':>8} {'vs':<17} {'MB/s':>8} {'ratio':>6} {'target':>7} "
            f"{'RSS growth':>11} {'ok':>4}  {'null app MB/s':>13} {'of it':>6}"
        )
        print(header)
        print("-" * len(header))
        failed = False
        ceilings = {"upload": ceiling_up, "download": ceiling_down}
        for name, seconds, bps, versus, dd_bps, target, growth in rows:
            ok = bps / dd_bps >= target and growth < TARGET_RSS_GROWTH
            failed |= not ok
            print(
                f"{name:<9} {seconds:>8.2f} {bps / 1e6:>8.0f} {versus:<17} {dd_bps / 1e6:>8.0f} "
                f"{bps / dd_bps:>6.0%} {'>=' + format(target, '.0%'):>7} {growth / MIB:>8.1f} MiB {'yes' if ok else 'NO':>4}"
                f"  {ceilings[name] / 1e6:>13.0f} {bps / ceilings[name]:>6.0%}"
            )
        print(f"stored sha256 matches: yes; RSS growth target < {TARGET_RSS_GROWTH // MIB} MiB")
        print("null app: the same curl transfer through Granian + TLS to an app that discards / sends zeros")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
