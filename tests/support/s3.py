"""A real S3-protocol server for tests: moto's standalone server on a free port of 127.0.0.1.

    with moto_s3_server() as s3:
        bucket = s3.new_bucket()
        storage = S3BlobStorage(bucket, endpoint_url=s3.endpoint, access_key_id="test", secret_access_key="test")
        ...
        assert s3.unfinished_uploads(bucket) == []

moto accepts any credentials. `min_part_size` lowers S3's 5 MiB minimum part size so
that small test payloads still cross many part boundaries (the adapter's own default
parts are 8 MiB, as on AWS).
"""

from __future__ import annotations

import itertools
import logging
import re
import socket
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

TEST_CREDENTIALS = {"access_key_id": "test", "secret_access_key": "test"}
_buckets = itertools.count(1)


@dataclass(frozen=True)
class MotoS3:
    endpoint: str

    def new_bucket(self) -> str:
        name = f"lebrq-test-{next(_buckets)}"
        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/{name}", method="PUT")).close()
        return name

    def unfinished_uploads(self, bucket: str) -> list[str]:
        """Keys of multipart uploads begun and neither completed nor aborted."""
        with urllib.request.urlopen(f"{self.endpoint}/{bucket}?uploads") as answer:
            listing = answer.read().decode()
        return re.findall(r"<Upload>.*?<Key>(.*?)</Key>", listing, flags=re.S)

    def object_keys(self, bucket: str) -> list[str]:
        with urllib.request.urlopen(f"{self.endpoint}/{bucket}?list-type=2") as answer:
            listing = answer.read().decode()
        return sorted(re.findall(r"<Key>(.*?)</Key>", listing))


@contextmanager
def moto_s3_server(min_part_size: int | None = None) -> Iterator[MotoS3]:
    import moto.s3.models
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    previous_min = moto.s3.models.S3_UPLOAD_PART_MIN_SIZE
    if min_part_size is not None:
        moto.s3.models.S3_UPLOAD_PART_MIN_SIZE = min_part_size
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield MotoS3(endpoint=f"http://127.0.0.1:{port}")
    finally:
        server.stop()
        moto.s3.models.S3_UPLOAD_PART_MIN_SIZE = previous_min


@contextmanager
def moto_s3_process() -> Iterator[MotoS3]:
    """moto's server in a process of its own (`moto_server`), for benchmarks that measure
    the memory of the processes talking to it."""
    import os
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    program = os.path.join(os.path.dirname(sys.executable), "moto_server")
    process = subprocess.Popen(
        [program, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = MotoS3(endpoint=f"http://127.0.0.1:{port}")
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{server.endpoint}/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"moto_server exited with {process.returncode}") from None
                time.sleep(0.1)
        else:
            raise RuntimeError("moto_server did not answer within 30 s")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
