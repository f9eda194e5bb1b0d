"""Structured logs: one JSON object per line, for the application and for Granian.

`lebrq serve` hands Granian a logging configuration (Granian's `--log-config`) that
routes Granian's own logger, its access log and the application's `lebrq` loggers through
`JsonLinesFormatter`, so a log shipper reads every line the same way. A granian.toml
that names its own `log-config` replaces this one.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

import msgspec

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}
_ENCODER = msgspec.json.Encoder(enc_hook=str)


class JsonLinesFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {}
        # Granian's access log passes its fields (addr, method, path, status, dt_ms...) as
        # the format arguments; they become fields of their own (its local-time `time`
        # gives way to ours, in UTC).
        if isinstance(record.args, Mapping):
            line.update(record.args)
        line |= {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": record.getMessage(),
        }
        line.update((key, value) for key, value in vars(record).items() if key not in _STANDARD_ATTRIBUTES)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(line).decode()


class JsonLinesHandler(logging.StreamHandler[TextIO]):
    """The one handler of a server process (built there by dictConfig). It also sends
    what Python would otherwise print bare on stderr through logging: warnings
    (`py.warnings`) and uncaught exceptions of the main thread and of other threads
    (`lebrq.uncaught`), so those lines are JSON too."""

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        logging.captureWarnings(True)
        sys.excepthook = _log_uncaught
        threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(kind: type[BaseException], error: BaseException, traceback: TracebackType | None) -> None:
    logging.getLogger("lebrq.uncaught").critical("uncaught exception", exc_info=(kind, error, traceback))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, SystemExit):
        return
    thread = args.thread.name if args.thread is not None else "?"
    logging.getLogger("lebrq.uncaught").critical(
        "uncaught exception in thread %s", thread, exc_info=(args.exc_type, args.exc_value, args.exc_traceback)
    )


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for Granian's supervisor and workers (stdout, JSON).
    Library loggers (sqlalchemy, asyncio, py.warnings...) reach the root handler, so
    they print JSON too; every line carries the request id of the request it was
    written for (`lebrq.server.request_id`)."""
    formatter = {"()": f"{__name__}.JsonLinesFormatter"}
    handler = {
        "class": f"{__name__}.JsonLinesHandler",
        "formatter": "json",
        "filters": ["request_id"],
        "stream": "ext://sys.stdout",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": formatter},
        "filters": {"request_id": {"()": "lebrq.server.request_id.RequestIdFilter"}},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": "WARNING"},
        "loggers": {
            "_granian": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "lebrq": {"handlers": ["json"], "level": level.upper(), "propagate": False},
        },
    }
