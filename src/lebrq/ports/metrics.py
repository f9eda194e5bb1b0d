"""Operational metrics the HTTP layer and the memory monitor record, and their exposition."""

from __future__ import annotations

from typing import Protocol

from lebrq.ports.health import PoolStatus


class Metrics(Protocol):
    @property
    def content_type(self) -> str:
        """The media type of what `render` returns."""
        ...

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None: ...

    def count_rejection(self, reason: str) -> None:
        """A request refused to protect the process (memory threshold, MemoryError, body size)."""
        ...

    def record_process(self, *, rss_bytes: int, pool: PoolStatus | None) -> None:
        """This worker's resident memory and its database pool, as of now."""
        ...

    def count_message(self, *, kind: str, channel: str, outcome: str) -> None:
        """One try of the outbox dispatcher: `sent`, `failed` (given up), `expired`, `retried`."""
        ...

    def record_outbox(self, *, pending: int, oldest_pending_age_seconds: float) -> None:
        """The outbox as of now (read from the database, the same for every worker)."""
        ...

    def render(self) -> bytes:
        """Every worker's metrics in the exposition format named by `content_type`."""
        ...

    def close(self) -> None:
        """This worker is stopping: its live gauges must no longer be reported."""
        ...
