"""`lebrq sweep-media` on S3 storage, run as an operator runs it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from lebrq.adapters.storage.s3 import S3BlobStorage
from tests.integration.test_cli_database_and_admin import lebrq
from tests.support.s3 import TEST_CREDENTIALS, MotoS3


async def one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


def test_sweep_media_removes_unreferenced_media_from_the_bucket_only(tmp_path: Path, moto_s3: MotoS3) -> None:
    bucket = moto_s3.new_bucket()
    env = {
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": bucket,
        "S3_PREFIX": "shop",
        "S3_ENDPOINT_URL": moto_s3.endpoint,
        "AWS_ACCESS_KEY_ID": TEST_CREDENTIALS["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": TEST_CREDENTIALS["secret_access_key"],
    }
    storage = S3BlobStorage(bucket, prefix="shop", endpoint_url=moto_s3.endpoint, **TEST_CREDENTIALS)

    async def store() -> None:
        await storage.write("media/2026/11/orphan", one_chunk(b"left by a crash"))
        await storage.write("documents/tax_invoice/2026-27/X_000001.pdf", one_chunk(b"%PDF-1.7"))

    asyncio.run(store())
    assert lebrq(tmp_path, "db", "upgrade", **env).returncode == 0

    swept = lebrq(tmp_path, "sweep-media", "--older-than-hours", "0", **env)

    assert swept.returncode == 0, swept.stderr
    assert "removed 1 file(s) without a media record" in swept.stdout
    assert f"s3://{bucket}/shop" in swept.stdout
    # The PDF is not media; nothing else in the bucket was touched.
    assert moto_s3.object_keys(bucket) == ["shop/documents/tax_invoice/2026-27/X_000001.pdf"]
