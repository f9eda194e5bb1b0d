"""Streaming multipart uploads: `multipart/form-data` parsed incrementally from
`request.stream()`, each file part handed on as an async iterator of its bytes, so the
media service writes it straight to storage (one write per byte, nothing spooled).

Use it on any upload route:

    @post("/x", request_max_body_size=None, opt=UPLOAD_ROUTE_OPT)
    async def x(request: Request, services: NamedDependency[Services]) -> ...:
        rules = services.media.rules(MediaKind.IMAGE, field="files", max_files=10)
        added = await services.media.upload(rules, incoming_files(request, rules), owner_id=...)

`request_max_body_size=None` turns off Litestar's whole-body limit for that route
because `incoming_files` enforces a tighter one derived from the rules (the per-file
limit times the file count, plus room for multipart framing), on Content-Length up
front and on the bytes received, so chunked bodies are limited too. The per-file
limit and the type check are enforced by the media service while bytes arrive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import multipart
from litestar import Request
from litestar.exceptions import InternalServerException

from lebrq.domain.model.errors import InvalidInput, PayloadTooLarge
from lebrq.domain.model.media import IncomingFile, UploadRules

# Boundaries, part headers and small form fields: generous, but bounded.
MULTIPART_OVERHEAD_PER_PART = 16 * 1024
# Parts other than the expected file parts (form fields a client adds) that are tolerated.
EXTRA_PARTS = 8

# Marks upload routes, so that body-limit or compression middleware can recognise them.
UPLOAD_ROUTE_OPT: dict[str, Any] = {"streaming_upload": True}


class UploadInterrupted(InvalidInput):
    """The client went away before the body was complete."""


def upload_body_limit(rules: UploadRules) -> int:
    return rules.max_total_bytes + MULTIPART_OVERHEAD_PER_PART * (rules.max_files + EXTRA_PARTS)


async def incoming_files(request: Request[Any, Any, Any], rules: UploadRules) -> AsyncIterator[IncomingFile]:
    """The parts named `rules.field`, in order, as they arrive; other parts are skipped.

    Each file's `chunks` must be consumed (or abandoned with the whole upload) before
    the next file is asked for. Raises InvalidInput for a body that is not well-formed
    multipart, PayloadTooLarge when the body outgrows `upload_body_limit(rules)`."""
    boundary = _boundary(request.headers.get("content-type", ""))
    limit = upload_body_limit(rules)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _body_too_large(limit)
    parser = multipart.PushMultipartParser(boundary, max_segment_count=rules.max_files + EXTRA_PARTS)
    events = _events(parser, _limited_body(request, limit))
    async for event in events:
        if isinstance(event, multipart.MultipartSegment):
            body = _SegmentBody(events)
            if event.name == rules.field:
                yield IncomingFile(filename=event.filename, chunks=body)
            await body.drain()


def _boundary(content_type: str) -> str:
    mime, options = multipart.parse_options_header(content_type)
    boundary: str = options.get("boundary", "")
    if mime != "multipart/form-data" or not boundary:
        raise InvalidInput("the body must be multipart/form-data with a boundary", field="content-type")
    return boundary


def _body_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"the request body is larger than the limit of {limit} bytes", extra={"max_bytes": limit})


async def _limited_body(request: Request[Any, Any, Any], limit: int) -> AsyncIterator[bytes]:
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise _body_too_large(limit)
            yield chunk
    except InternalServerException as exc:
        # Litestar reports a client disconnect mid-body this way.
        raise UploadInterrupted("the upload was interrupted before the body was complete") from exc


async def _events(parser: multipart.PushMultipartParser, body: AsyncIterator[bytes]) -> AsyncIterator[Any]:
    try:
        async for chunk in body:
            if chunk:
                for event in parser.parse(chunk):
                    yield event
        for event in parser.parse(b""):  # end of input: raises if the stream is incomplete
            yield event
    except multipart.MultipartError as exc:
        raise InvalidInput(f"malformed multipart body: {exc}", field="body") from None


class _SegmentBody:
    """The body chunks of the current segment, read from the shared event stream up to
    the segment's end marker (the parser's `None` event)."""

    def __init__(self, events: AsyncIterator[Any]) -> None:
        self._events = events
        self._done = False

    def __aiter__(self) -> _SegmentBody:
        return self

    async def __anext__(self) -> bytes:
        if self._done:
            raise StopAsyncIteration
        event = await anext(self._events, None)
        if event is None:
            self._done = True
            raise StopAsyncIteration
        return bytes(event)

    async def drain(self) -> None:
        async for _chunk in self:
            pass
