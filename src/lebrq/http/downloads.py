"""Serving a stored blob over HTTP with RFC 9110 validators, conditionals and ranges.

Reusable for anything kept in BlobStorage (media, invoice PDFs): build a
`BlobDownload` and return `await blob_response(request, storage, download)` from a
GET or HEAD handler that carries `opt=DOWNLOAD_ROUTE_OPT` (no response compression:
it would break Content-Length and byte ranges, and the payloads are compressed already).

Decisions (RFC 9110 sections 13 and 14):
- Preconditions in the order of 13.2.2: If-Match, else If-Unmodified-Since (412);
  then If-None-Match, else If-Modified-Since (304 for GET/HEAD).
- One range `bytes=a-b`, `a-` or `-n` -> 206 with Content-Range; a range starting at
  or past the end (or `-0`) -> 416 with `Content-Range: bytes */SIZE`.
- A header this server does not parse as one byte range (another unit, bad syntax,
  `b < a`) is ignored -> 200 with the whole file, as 14.2 allows.
- Several ranges (`bytes=0-1,5-6`) -> 200 with the whole file: 14.2 lets a server
  ignore Range, and multipart/byteranges is unused by our clients (players and
  browsers ask for one range) while costing framing code and Content-Length maths.
- If-Range whose validator does not match (strong ETag comparison, or a date other
  than Last-Modified) -> the Range is ignored -> 200 with the whole file.
- HEAD answers exactly the headers GET would, without a body.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, Response
from litestar.response import Stream

from lebrq.domain.model.errors import NotFound
from lebrq.http.errors import error_response
from lebrq.ports.blob_storage import BlobStorage

# Stored files are served inline but were uploaded by someone: a browser must never run
# them as a page of this origin (an HTML or SVG file, a PDF with scripts). `sandbox`
# gives the document a unique origin with scripts, forms and plugins off; `default-src
# 'none'` lets it load nothing. Media players and <img> tags are not affected.
DOWNLOAD_CSP = "default-src 'none'; sandbox"

# Marks download routes so that compression middleware leaves them alone.
DOWNLOAD_ROUTE_OPT: dict[str, Any] = {"skip_compression": True}

# A body up to this size is read whole, in the same trip to the storage that finds the
# blob's size, and sent as one response (a seeking player's ranges are mostly a few KiB:
# this saves two thread hops and the streaming machinery per request; figures in
# docs/benchmarks.md, issue 14). Longer bodies stream in the storage's chunks, so memory
# per download stays bounded by this and the chunk size.
WHOLE_BODY_MAX_BYTES = 256 * 1024

_SINGLE_RANGE = re.compile(r"^bytes=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


class BlobDownload(msgspec.Struct, frozen=True, gc=False):
    key: str
    content_type: str
    # Strong validator: the same ETag always means the same bytes (e.g. from sha256).
    etag: str
    last_modified: datetime
    cache_control: str = "private, no-cache"
    filename: str | None = None
    disposition: str = "inline"


def strong_etag(sha256_hex: str) -> str:
    return f'"{sha256_hex}"'


async def blob_response(request: Request[Any, Any, Any], storage: BlobStorage, download: BlobDownload) -> Response[Any]:
    last_modified = download.last_modified.astimezone(UTC).replace(microsecond=0)
    failed = _failed_precondition(request, download.etag, last_modified)
    requested = None if failed else _requested_range(request, download.etag, last_modified)
    wants_body = failed is None and request.method != "HEAD"

    def span(size: int) -> tuple[int, int] | None:
        if not wants_body:
            return None
        return (0, size) if requested is None else _resolve(requested, size)

    # The size, and a small body at once: one trip to the storage for most answers.
    found = await storage.read_small(download.key, span, max_bytes=WHOLE_BODY_MAX_BYTES)
    if found is None:
        raise NotFound("the file's content is missing")
    size = found.size
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": download.etag,
        "Last-Modified": format_datetime(last_modified, usegmt=True),
        "Cache-Control": download.cache_control,
        "Content-Security-Policy": DOWNLOAD_CSP,
    }
    if download.filename:
        headers["Content-Disposition"] = content_disposition(download.disposition, download.filename)

    if failed == 412:
        return error_response(412, "precondition failed", headers=headers)
    if failed == 304:
        return Response(content=b"", status_code=304, headers=headers)

    status, start, end = 200, 0, size
    if requested is not None:
        resolved = _resolve(requested, size)
        if resolved is None:
            return error_response(
                416,
                "range not satisfiable",
                extra={"size": size},
                headers={**headers, "Content-Range": f"bytes */{size}"},
            )
        status, (start, end) = 206, resolved
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    headers["Content-Type"] = download.content_type
    if not wants_body:
        return Response(content=b"", status_code=status, headers=headers, media_type=download.content_type)
    if found.data is not None:
        return Response(content=found.data, status_code=status, headers=headers, media_type=download.content_type)
    return Stream(
        _chunks(storage, download.key, start, end),
        status_code=status,
        headers=headers,
        media_type=download.content_type,
    )


def content_disposition(disposition: str, filename: str) -> str:
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\' else "_" for ch in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def _chunks(storage: BlobStorage, key: str, start: int, end: int) -> AsyncIterator[bytes]:
    async with aclosing(storage.read(key, start, end)) as reader:
        async for chunk in reader:
            yield chunk


def _failed_precondition(request: Request[Any, Any, Any], etag: str, last_modified: datetime) -> int | None:
    """412 or 304 when a precondition says so, else None (RFC 9110 13.2.2 order)."""
    if_match = request.headers.get("if-match")
    if if_match is not None:
        if not _etag_listed(if_match, etag, weak=False):
            return 412
    else:
        since = _http_date(request.headers.get("if-unmodified-since"))
        if since is not None and last_modified > since:
            return 412
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return 304 if _etag_listed(if_none_match, etag, weak=True) else None
    since = _http_date(request.headers.get("if-modified-since"))
    if since is not None and last_modified <= since:
        return 304
    return None


def _requested_range(request: Request[Any, Any, Any], etag: str, last_modified: datetime) -> tuple[str, str] | None:
    header = request.headers.get("range")
    if header is None:
        return None
    if_range = request.headers.get("if-range")
    if if_range is not None and not _if_range_matches(if_range.strip(), etag, last_modified):
        return None
    match = _SINGLE_RANGE.match(header)
    if match is None:
        return None  # malformed, another unit, or several ranges: the whole file
    first, last = match.group(1), match.group(2)
    if (first == last == "") or (first and last and int(last) < int(first)):
        return None
    return first, last


def _resolve(requested: tuple[str, str], size: int) -> tuple[int, int] | None:
    """(start, end exclusive) within the file, or None when unsatisfiable."""
    first, last = requested
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            return None
        return max(0, size - suffix), size
    start = int(first)
    if start >= size:
        return None
    end = size if last == "" else min(int(last) + 1, size)
    return start, end


def _if_range_matches(validator: str, etag: str, last_modified: datetime) -> bool:
    if validator.startswith(('"', "W/")):
        return not validator.startswith("W/") and validator == etag
    return _http_date(validator) == last_modified


def _etag_listed(header: str, etag: str, *, weak: bool) -> bool:
    if header.strip() == "*":
        return True
    for candidate in (c.strip() for c in header.split(",")):
        if weak:
            candidate = candidate.removeprefix("W/")
        elif candidate.startswith("W/"):
            continue
        if candidate == etag:
            return True
    return False


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # an invalid date makes the condition ignored (RFC 9110 13.1.3)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
