"""The real service under Granian: a 300 MB chunked upload is streamed to disk with the
server's memory flat, and the stored file is exactly what was sent."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.granian_process import ServiceStarter
from tests.support.media import GeneratedUpload, file_body, sample_file
from tests.support.rss import RssSampler

pytestmark = pytest.mark.granian

MIB = 1024 * 1024
UPLOAD_BYTES = 300 * 1000 * 1000
MAX_RSS_GROWTH = 24 * MIB
ADMIN = {"ADMIN_EMAIL": "admin@example.com", "ADMIN_PASSWORD": "admin-password-1"}


def test_300_mb_chunked_upload_keeps_memory_flat_and_stores_the_exact_bytes(granian_service: ServiceStarter) -> None:
    service = granian_service(env={**ADMIN, "UPLOAD_VIDEO_MAX_MB": "400"})
    with service.client(timeout=120) as client:
        login = client.post(
            "/api/auth/login", json={"email": ADMIN["ADMIN_EMAIL"], "password": ADMIN["ADMIN_PASSWORD"]}
        )
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        # Warm up: the first upload loads the code paths an upload needs.
        small = file_body("video/mp4", sample_file("video/mp4", 2 * MIB))
        assert client.post("/api/uploads/video", content=small.body(), headers=small.headers(**auth)).status_code == 201
        baseline = service.process_tree_rss()

        upload = GeneratedUpload(UPLOAD_BYTES)
        with RssSampler(service.process_tree_rss) as sampler:
            # A generator body: httpx sends it chunked, without Content-Length.
            answer = client.post(
                "/api/uploads/video", content=upload.chunks(), headers={"Content-Type": upload.content_type, **auth}
            )
        assert answer.status_code == 201, answer.text
        media = answer.json()

    growth = sampler.peak - baseline
    print(f"baseline {baseline / MIB:.1f} MiB, peak {sampler.peak / MIB:.1f} MiB, growth {growth / MIB:.1f} MiB")
    assert growth < MAX_RSS_GROWTH, f"RSS grew by {growth / MIB:.1f} MiB during the upload"
    assert media["size"] == UPLOAD_BYTES
    assert media["sha256"] == upload.sha256.hexdigest()
    stored = [p for p in (service.var_dir / "media").rglob("*") if p.is_file() and p.stat().st_size == UPLOAD_BYTES]
    assert len(stored) == 1
    assert _sha256_of(stored[0]) == upload.sha256.hexdigest()


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(4 * MIB):
            digest.update(block)
    return digest.hexdigest()
