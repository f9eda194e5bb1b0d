"""The operational side of the HTTP app: memory probe and limits, metrics, and the
protective middleware built from them. Bootstrap chooses the probe and the metrics
backend and passes them in; the app keeps this object on `app.state.operations`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware

from lebrq.http.body_limit import BodySizeLimit
from lebrq.http.compression import JsonGzip
from lebrq.http.memory_guard import MemoryGuard
from lebrq.http.metrics import RequestMetrics
from lebrq.ports.memory import MemoryProbe
from lebrq.ports.metrics import Metrics
from lebrq.server.memory import MemoryLimits, MemoryWatch

GIB = 1024**3
MIB = 1024**2


@dataclass(frozen=True)
class Operations:
    memory: MemoryProbe
    limits: MemoryLimits
    metrics: Metrics
    memory_check_seconds: float = 2.0

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Puts the protective middleware in front of everything, authentication included
        (which inserts itself first): a request refused for memory or size costs no
        token check, and an unauthenticated one still meets the limits."""
        app_config.middleware[:0] = self.middleware()
        return app_config

    def middleware(self) -> list[Any]:
        """Outermost first: metrics see every answer (refusals included), the guard refuses
        before anything else runs, the body limit before a handler reads, and gzip sits
        next to the handler so it sees the real response."""
        watch = MemoryWatch(self.memory, self.limits, interval=self.memory_check_seconds)
        return [
            DefineMiddleware(RequestMetrics, metrics=self.metrics),
            DefineMiddleware(MemoryGuard, watch=watch, metrics=self.metrics),
            DefineMiddleware(BodySizeLimit, metrics=self.metrics, memory=self.memory),
            DefineMiddleware(JsonGzip),
        ]


def operations_of(state: State) -> Operations:
    operations: Operations = state.operations
    return operations


class MemoryHealth(msgspec.Struct, frozen=True, gc=False):
    total_gb: float
    available_gb: float
    used_gb: float
    used_percent: float
    threshold_percent: float
    critical_percent: float
    process_rss_mb: float
    status: str


def memory_health(operations: Operations) -> MemoryHealth:
    """A fresh reading (not the guard's cached one): this is what an operator asks for."""
    reading = operations.memory.read()
    limits = operations.limits
    return MemoryHealth(
        total_gb=round(reading.total_bytes / GIB, 2),
        available_gb=round(reading.available_bytes / GIB, 2),
        used_gb=round(reading.used_bytes / GIB, 2),
        used_percent=round(reading.used_percent, 1),
        threshold_percent=limits.threshold_percent,
        critical_percent=limits.critical_percent,
        process_rss_mb=round(reading.process_rss_bytes / MIB, 1),
        status=str(limits.level_of(reading.used_percent)),
    )
