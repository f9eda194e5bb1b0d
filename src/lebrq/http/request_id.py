"""Gives each HTTP request its id (`lebrq.server.request_id`) and puts it on the response.
Wraps the whole Litestar application (`http/app.py`), so every answer carries it: 404s,
refusals by middleware, error answers, and the rare exception that escapes Litestar's
exception handling (logged and answered 500 here)."""

from __future__ import annotations

import logging

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from lebrq.http.raw_responses import send_error
from lebrq.server.request_id import REQUEST_ID_HEADER, accept_or_make, current_request_id

logger = logging.getLogger("lebrq.http")

_HEADER = REQUEST_ID_HEADER.encode()


class RequestId:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        offered = next((value for name, value in scope["headers"] if name == _HEADER), None)
        request_id = accept_or_make(None if offered is None else offered.decode("latin-1"))
        # Not reset on the way out: Granian writes its access line after the app returns,
        # in this same task, and each request runs in a task (a context) of its own.
        current_request_id.set(request_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(name, value) for name, value in message["headers"] if name.lower() != _HEADER]
                headers.append((_HEADER, request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Past every exception handler: logged with this request's id, answered 500.
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if started:
                raise
            await send_error(send_with_id, 500, "Internal Server Error")
