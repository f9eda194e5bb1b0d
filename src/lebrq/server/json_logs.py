"""Structured logs: one JSON object per line, for the application and for Granian.

`lebrq serve` hands Granian a logging configuration (Granian's `--log-config`) that
routes Granian's own logger, its access log and the application's `lebrq` loggers through
`JsonLinesFormatter`, so a log shipper reads every line the same way. A granian.toml
that names its own `log-config` replaces this one.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

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


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for Granian's supervisor and workers (stdout, JSON)."""
    formatter = {"()": f"{__name__}.JsonLinesFormatter"}
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": formatter},
        "handlers": {"json": handler},
        "root": {"handlers": ["json"], "level": "WARNING"},
        "loggers": {
            "_granian": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "granian.access": {"handlers": ["json"], "level": "INFO", "propagate": False},
            "lebrq": {"handlers": ["json"], "level": level.upper(), "propagate": False},
        },
    }
