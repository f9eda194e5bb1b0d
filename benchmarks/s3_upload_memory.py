"""Benchmark: a 1 GiB upload into S3 storage (MEDIA_STORAGE=s3) through the real service,
and the server's peak RSS growth meanwhile; then the same file downloaded back.

    .venv/bin/python benchmarks/s3_upload_memory.py [--size-mib 1024]

The service is `lebrq serve` (Granian, 1 worker, TLS, SQLite) with its media in a bucket
of moto's S3 server, which runs in a process of its own on 127.0.0.1 (its memory is not
the service's). curl sends the multipart body from a file built beforehand. Target:
RSS growth of the whole server (supervisor + worker) under 24 MiB during the upload.
Prints one table; docs/benchmarks.md keeps the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.media_streaming import download, upload, write_multipart_body

from tests.support.granian_process import running_service
from tests.support.rss import RssSampler
from tests.support.s3 import TEST_CREDENTIALS, moto_s3_process

MIB = 1024 * 1024
TARGET_RSS_GROWTH = 24 * MIB
ADMIN_EMAIL, ADMIN_PASSWORD = "bench-admin@example.com", "bench-password-1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    options = parser.parse_args()
    size = options.size_mib * MIB
    if shutil.which("curl") is None:
        sys.exit("curl is needed (./dev bench installs it)")

    work = Path(tempfile.mkdtemp(prefix="lebrq-s3-bench-", dir=ROOT))
    try:
        boundary = f"bench-{uuid.uuid4().hex}"
        body = work / "body.multipart"
        expected_sha256 = write_multipart_body(body, size, boundary)
        with moto_s3_process() as s3:
            env = {
                "ADMIN_EMAIL": ADMIN_EMAIL,
                "ADMIN_PASSWORD": ADMIN_PASSWORD,
                "UPLOAD_VIDEO_MAX_MB": str(options.size_mib + 16),
                "MEDIA_STORAGE": "s3",
                "S3_BUCKET": s3.new_bucket(),
                "S3_ENDPOINT_URL": s3.endpoint,
                "AWS_ACCESS_KEY_ID": TEST_CREDENTIALS["access_key_id"],
                "AWS_SECRET_ACCESS_KEY": TEST_CREDENTIALS["secret_access_key"],
            }
            with running_service(work / "service", env=env, config={"access-log": False}) as service:
                with service.client() as client:
                    login = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
                    token = str(login.raise_for_status().json()["access_token"])
                # Warm-up: a 20 MiB upload (multipart, 4 parts) and its download load the code paths.
                warm = work / "warm.multipart"
                write_multipart_body(warm, 20 * MIB, "warm")
                _, warm_media = upload(service, token, warm, "warm")
                download(service, str(warm_media["url"]))
                warm.unlink()

                baseline = service.process_tree_rss()
                with RssSampler(service.process_tree_rss) as upload_rss:
                    try:
                        upload_seconds, media = upload(service, token, body, boundary)
                    except subprocess.CalledProcessError as failed:
                        tail = "\n".join(service.log().splitlines()[-20:])
                        sys.exit(f"the upload failed: {failed.stdout}\n{tail}")
                after_upload = service.process_tree_rss()
                with RssSampler(service.process_tree_rss) as download_rss:
                    download_seconds = download(service, str(media["url"]))
                assert media["size"] == size, media
                assert media["sha256"] == expected_sha256, "the stored file's sha256 differs from the upload's"
                service.terminate()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"# {platform.node()} {platform.machine()} {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"# {options.size_mib} MiB through lebrq serve (1 worker, TLS) into moto S3 on 127.0.0.1; server RSS")
    print(f"{'transfer':<10} {'seconds':>8} {'MB/s':>7} {'RSS growth MiB':>15} {'target':>8}")
    for name, seconds, growth in (
        ("upload", upload_seconds, upload_rss.peak - baseline),
        ("download", download_seconds, download_rss.peak - after_upload),
    ):
        verdict = "met" if growth < TARGET_RSS_GROWTH else "MISSED"
        target = f"<24 {verdict}" if name == "upload" else "-"
        print(f"{name:<10} {seconds:>8.1f} {size / 1e6 / seconds:>7.1f} {growth / MIB:>15.1f} {target:>8}")
    print(f"# server RSS before the upload: {baseline / MIB:.1f} MiB")
    return 0 if upload_rss.peak - baseline < TARGET_RSS_GROWTH else 1


if __name__ == "__main__":
    sys.exit(main())
