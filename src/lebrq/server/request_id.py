"""The request id: one per HTTP request, on its response and on every log line written
while it is served.

A client (or a proxy in front) may send its own `X-Request-ID` to follow a request
across systems; it is kept when it is 1-64 characters of `[A-Za-z0-9._-]` (nothing a
log reader or a header could trip over), else a new one is made. The id lives in a
context variable set by the HTTP middleware (`lebrq.http.request_id`); the logging
filter here copies it onto each record. Deliberately free of heavy imports: Granian's
supervisor loads this module with the logging configuration.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "x-request-id"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")

current_request_id: ContextVar[str | None] = ContextVar("lebrq_request_id", default=None)


def accept_or_make(offered: str | None) -> str:
    """The client's id when well-formed, else a fresh random one (32 hex digits)."""
    if offered is not None and _WELL_FORMED.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record logged while a request is being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = current_request_id.get()
        if request_id is not None:
            record.request_id = request_id
        return True
