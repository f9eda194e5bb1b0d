"""Route handlers that only tests add to the app (create_app(extra_route_handlers=...)):
one that runs out of memory, one that streams slowly, one with a large JSON answer.
Production never has them. `create_app_with_fault_routes` is a Granian factory target
for tests that need them in a real server."""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar, get, post
from litestar.params import FromQuery, JSONBody
from litestar.response import Stream

from lebrq.bootstrap import create_app
from lebrq.http.compression import SKIP_COMPRESSION

SLOW_CHUNKS = 10
SLOW_CHUNK_BYTES = 64 * 1024


@get("/api/test-faults/memory-error", exclude_from_auth=True)
async def raise_memory_error() -> None:
    # What a handler sees when an allocation fails: the real exception type.
    raise MemoryError


@get("/api/test-faults/slow-download", exclude_from_auth=True, media_type="application/octet-stream")
async def slow_download(seconds: FromQuery[float] = 2.0) -> Stream:
    async def chunks() -> AsyncIterator[bytes]:
        for index in range(SLOW_CHUNKS):
            await asyncio.sleep(seconds / SLOW_CHUNKS)
            yield bytes([index]) * SLOW_CHUNK_BYTES

    return Stream(chunks(), headers={"Content-Length": str(SLOW_CHUNKS * SLOW_CHUNK_BYTES)})


@get("/api/test-faults/large-json", exclude_from_auth=True)
async def large_json(size: FromQuery[int] = 4096) -> dict[str, Any]:
    return {"filler": "a" * size}


@get("/api/test-faults/large-json-uncompressed", exclude_from_auth=True, opt={SKIP_COMPRESSION: True})
async def large_json_uncompressed(size: FromQuery[int] = 4096) -> dict[str, Any]:
    return {"filler": "a" * size}


@get("/api/test-faults/streamed-json", exclude_from_auth=True, media_type="application/json")
async def streamed_json() -> Stream:
    async def parts() -> AsyncIterator[bytes]:
        yield b'{"filler": "'
        yield b"a" * 4096
        yield b'"}'

    return Stream(parts())


@post("/api/test-faults/echo-size", exclude_from_auth=True)
async def echo_size(data: JSONBody[dict[str, Any]]) -> dict[str, int]:
    return {"keys": len(data)}


@get("/api/test-faults/library-noise", exclude_from_auth=True)
async def library_noise() -> dict[str, bool]:
    """What third-party code does while a request is served: logs through its own logger
    (reaching the root handler, like sqlalchemy.pool) and raises a Python warning."""
    logging.getLogger("some.library.pool").error("connection lost while %s", "resetting")
    warnings.warn("some.library: this call will change", UserWarning, stacklevel=1)
    return {"noisy": True}


FAULT_ROUTES = [
    raise_memory_error,
    slow_download,
    large_json,
    large_json_uncompressed,
    streamed_json,
    echo_size,
    library_noise,
]


def create_app_with_fault_routes() -> Litestar:
    return create_app(extra_route_handlers=FAULT_ROUTES)
