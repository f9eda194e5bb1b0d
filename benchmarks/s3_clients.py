"""Benchmark: which S3 client library the S3 blob storage should use.

    .venv/bin/python benchmarks/s3_clients.py [--mib 256] [--part-mib 8]

For each candidate (obstore, aiobotocore) a fresh child process: RSS after importing the
client (the worker's memory target, issue 14), then a streamed multipart upload of
`--mib` MiB from 64 KiB chunks (as an HTTP upload arrives) with one part in flight (obstore also with two),
measuring its throughput and the peak RSS growth during it (sampled every 20 ms), then
a streamed full read. The S3 server is moto's standalone server in its own process on
127.0.0.1, so its memory is not counted. Prints one table; docs/s3-storage.md records
the figures and the choice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.rss import RssSampler
from tests.support.s3 import moto_s3_process

MIB = 1024 * 1024
CHUNK = 64 * 1024
BUCKET = "bench"


async def source(total: int):  # type: ignore[no-untyped-def]
    block = os.urandom(CHUNK)
    for _ in range(total // CHUNK):
        yield block


async def upload_obstore(endpoint: str, total: int, part: int, in_flight: int) -> tuple[float, float]:
    import obstore
    from obstore.store import S3Store

    store = S3Store(
        BUCKET,
        endpoint=endpoint,
        region="us-east-1",
        access_key_id="bench",
        secret_access_key="bench",
        client_options={"allow_http": True},
    )
    started = time.perf_counter()
    await obstore.put_async(store, "blob", source(total), chunk_size=part, max_concurrency=in_flight)
    upload = time.perf_counter() - started
    started = time.perf_counter()
    got = 0
    result = await obstore.get_async(store, "blob")
    async for chunk in result.stream(min_chunk_size=512 * 1024):
        got += len(chunk)
    assert got == total
    return upload, time.perf_counter() - started


async def upload_aiobotocore(endpoint: str, total: int, part: int, in_flight: int) -> tuple[float, float]:
    assert in_flight == 1, "this variant sends one part at a time"
    from aiobotocore.session import get_session

    session = get_session()
    async with session.create_client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="b", aws_secret_access_key="b"
    ) as client:
        started = time.perf_counter()
        upload_id = (await client.create_multipart_upload(Bucket=BUCKET, Key="blob"))["UploadId"]
        parts, buffer, number = [], bytearray(), 1
        async for chunk in source(total):
            buffer += chunk
            if len(buffer) >= part:
                answer = await client.upload_part(
                    Bucket=BUCKET, Key="blob", UploadId=upload_id, PartNumber=number, Body=bytes(buffer)
                )
                parts.append({"ETag": answer["ETag"], "PartNumber": number})
                buffer.clear()
                number += 1
        if buffer:
            answer = await client.upload_part(
                Bucket=BUCKET, Key="blob", UploadId=upload_id, PartNumber=number, Body=bytes(buffer)
            )
            parts.append({"ETag": answer["ETag"], "PartNumber": number})
        await client.complete_multipart_upload(
            Bucket=BUCKET, Key="blob", UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
        upload = time.perf_counter() - started
        started = time.perf_counter()
        got = 0
        answer = await client.get_object(Bucket=BUCKET, Key="blob")
        async with answer["Body"] as body:
            while chunk := await body.read(512 * 1024):
                got += len(chunk)
        assert got == total
        return upload, time.perf_counter() - started


def child(variant: str, endpoint: str, total: int, part: int) -> None:
    name, in_flight = variant.split(":")
    process = psutil.Process()
    before_import = process.memory_info().rss
    started = time.perf_counter()
    if name == "obstore":
        import obstore  # noqa: F401
        from obstore.store import S3Store  # noqa: F401

        run = upload_obstore
    else:
        from aiobotocore.session import get_session  # noqa: F401

        run = upload_aiobotocore
    import_seconds = time.perf_counter() - started
    after_import = process.memory_info().rss
    with RssSampler(lambda: process.memory_info().rss, interval_seconds=0.02) as sampler:
        upload_seconds, read_seconds = asyncio.run(run(endpoint, total, part, int(in_flight)))
    print(
        json.dumps(
            {
                "import_mib": (after_import - before_import) / MIB,
                "import_ms": import_seconds * 1000,
                "upload_growth_mib": (sampler.peak - after_import) / MIB,
                "upload_mb_s": total / 1e6 / upload_seconds,
                "read_mb_s": total / 1e6 / read_seconds,
            }
        ),
        flush=True,
    )
    # obstore's Tokio threads can abort the interpreter's own teardown (SIGABRT seen once
    # in ~6 runs here); the figures are out, so skip it.
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--part-mib", type=int, default=8)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.endpoint, args.mib * MIB, args.part_mib * MIB)
        return
    with moto_s3_process() as moto:
        endpoint = moto.endpoint
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{BUCKET}", method="PUT")).close()
        rows = []
        for name in ("obstore:1", "obstore:2", "aiobotocore:1"):
            finished = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    name,
                    "--endpoint",
                    endpoint,
                    "--mib",
                    str(args.mib),
                    "--part-mib",
                    str(args.part_mib),
                ],
                capture_output=True,
                text=True,
            )
            if finished.returncode != 0:
                sys.exit(f"{name} failed ({finished.returncode}):\n{finished.stderr[-3000:]}")
            output = finished.stdout
            rows.append((name, json.loads(output.strip().splitlines()[-1])))
    print(f"# {platform.node()} {platform.machine()} {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"# {args.mib} MiB streamed upload in {args.part_mib} MiB parts, name:N = N parts in flight, to moto on 127.0.0.1"
    )
    print(
        f"{'client:parts':<14} {'import MiB':>10} {'import ms':>9} {'upload +MiB':>11} {'upload MB/s':>11} {'read MB/s':>9}"
    )
    for name, row in rows:
        print(
            f"{name:<14} {row['import_mib']:>10.1f} {row['import_ms']:>9.0f} {row['upload_growth_mib']:>11.1f} "
            f"{row['upload_mb_s']:>11.1f} {row['read_mb_s']:>9.1f}"
        )


if __name__ == "__main__":
    main()
