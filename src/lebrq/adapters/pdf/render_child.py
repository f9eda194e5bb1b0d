"""The PDF render child: `python -m lebrq.adapters.pdf.render_child`.

Started by `ChildProcessRenderer` when a PDF is needed; reads render requests from stdin
and answers on stdout (`render_protocol`) until stdin closes, which happens when the
worker retires it after being idle, or when the worker itself dies. fpdf2 (~46 MiB with
fontTools and PIL) lives only here and leaves with the process.
"""

from __future__ import annotations

import os
import signal
import sys


def main() -> int:
    # Ctrl-C in a terminal reaches the whole process group: the worker decides when this
    # process ends (by closing stdin), so an interrupt here would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns fd 1; anything a library prints goes to stderr instead.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer

    from lebrq.adapters.pdf.render_protocol import (
        RenderReply,
        decode_request,
        encode,
        read_frame,
        write_frame,
    )
    from lebrq.adapters.pdf.tax_document_layout import render_pdf

    while True:
        try:
            frame = read_frame(requests)
        except EOFError:
            return 1
        if frame is None:
            return 0
        try:
            reply = RenderReply(pdf=render_pdf(decode_request(frame).document))
        except Exception as exc:
            reply = RenderReply(error=f"{type(exc).__name__}: {exc}")
        try:
            write_frame(replies, encode(reply))
        except BrokenPipeError:
            return 0


if __name__ == "__main__":
    sys.exit(main())
