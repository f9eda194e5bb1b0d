"""TcpProxy on an event loop of its own thread, for synchronous tests whose database
client is another process (a real `lebrq serve`)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.tcp_proxy import TcpProxy


@contextmanager
def threaded_tcp_proxy(host: str, port: int) -> Iterator[tuple[TcpProxy, asyncio.AbstractEventLoop]]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="tcp-proxy", daemon=True)
    thread.start()
    proxy = TcpProxy(host, port)
    try:
        asyncio.run_coroutine_threadsafe(proxy.start(), loop).result(timeout=10)
        yield proxy, loop
    finally:
        asyncio.run_coroutine_threadsafe(proxy.cut(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def cut(proxy: TcpProxy, loop: asyncio.AbstractEventLoop) -> None:
    asyncio.run_coroutine_threadsafe(proxy.cut(), loop).result(timeout=10)
