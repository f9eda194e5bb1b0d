"""A truly concurrent in-process HTTP client for the app.

Litestar's AsyncTestClient handles each request synchronously through a blocking portal
(its handle_async_request calls handle_request), so requests sent with asyncio.gather
run one after another and anything else on the test's event loop stalls. Tests about
concurrency use this instead: httpx's ASGITransport on the app, inside its lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from litestar import Litestar


@asynccontextmanager
async def concurrent_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with app.lifespan():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
