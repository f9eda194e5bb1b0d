"""What the web worker and the PDF render child say to each other over the child's
stdin/stdout: length-prefixed msgpack frames (4-byte big-endian length, then the body).

One request, one reply, in order; the child renders one document at a time."""

from __future__ import annotations

import struct
from typing import IO

import msgspec

_LENGTH = struct.Struct(">I")
# A rendered invoice is ~50-500 KiB; a frame this large is a broken stream, not a PDF.
MAX_FRAME_BYTES = 256 * 1024 * 1024


class RenderRequest(msgspec.Struct, frozen=True, array_like=True):
    # The TaxDocument as JSON (what `tax_document_layout.render_pdf` takes).
    document: bytes


class RenderReply(msgspec.Struct, frozen=True, array_like=True):
    pdf: bytes | None = None
    # Set when the layout raised: the exception's type and message (no traceback).
    error: str | None = None


encode = msgspec.msgpack.Encoder().encode
decode_request = msgspec.msgpack.Decoder(RenderRequest).decode
decode_reply = msgspec.msgpack.Decoder(RenderReply).decode


def write_frame(stream: IO[bytes], body: bytes) -> None:
    stream.write(_LENGTH.pack(len(body)))
    stream.write(body)
    stream.flush()


def read_frame(stream: IO[bytes]) -> bytes | None:
    """The next frame's body; None when the stream ended cleanly between frames.
    EOFError when it ended inside a frame (the other side died mid-message)."""
    header = _read_exactly(stream, _LENGTH.size, allow_eof=True)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME_BYTES:
        raise EOFError(f"frame of {length} bytes: the stream is out of step")
    body = _read_exactly(stream, length, allow_eof=False)
    assert body is not None
    return body


def _read_exactly(stream: IO[bytes], size: int, *, allow_eof: bool) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            if allow_eof and remaining == size:
                return None
            raise EOFError(f"stream ended {remaining} bytes before the end of a frame")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
