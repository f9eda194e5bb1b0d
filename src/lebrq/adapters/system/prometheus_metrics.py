"""Prometheus metrics, correct with several Granian workers.

Each worker is a separate process, so counters kept in one worker's memory would show a
different, partial figure on every scrape. prometheus_client's multiprocess mode solves
that: every worker writes its values to memory-mapped files in one directory and the
worker that answers /metrics merges all files. `lebrq serve` points
PROMETHEUS_MULTIPROC_DIR at `var/metrics/` and empties it before Granian starts (the
variable must be set before prometheus_client is imported, so it is inherited by the
workers rather than set by them). Counters of workers that exited stay in the sum, so
totals never go backwards when Granian recycles a worker; live gauges (RSS, pool) of
dead workers are removed when a worker starts or stops.

Without the variable (tests, a single process) values live in this object's own
registry, so two apps in one process never share or clash.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import prometheus_client.values as values
from prometheus_client.metrics import Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.registry import CollectorRegistry

from lebrq.ports.health import PoolStatus

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


def prepare_multiprocess_directory(directory: Path) -> Path:
    """Called once by the supervisor before workers start: an empty directory, so figures
    of a previous run (and files of its dead workers) are not merged into this one."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    return directory


class PrometheusMetrics:
    """Imports the exposition half of prometheus_client (its HTTP server, WSGI app and
    their standard-library modules, ~1 MiB) only when /metrics is first asked for; the
    package itself is deferred (lebrq.adapters.system: `defer_until_first_use`)."""

    @property
    def content_type(self) -> str:
        from prometheus_client.exposition import CONTENT_TYPE_LATEST

        # Litestar adds the charset itself to text/* media types.
        return CONTENT_TYPE_LATEST.replace("; charset=utf-8", "")

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        self._directory = multiprocess_dir if multiprocess_dir is not None else os.environ.get(MULTIPROCESS_ENV) or None
        if self._directory and values.ValueClass is values.MutexValue:
            raise RuntimeError(f"{MULTIPROCESS_ENV} must be set before prometheus_client is first imported")
        if self._directory:
            Path(self._directory).mkdir(parents=True, exist_ok=True)
            self._forget_dead_workers()
        # `*_created` timestamps double the series and mean nothing across recycled workers.
        disable_created_metrics()
        self._registry = CollectorRegistry(auto_describe=True)
        registry = self._registry
        self._requests = Counter(
            "lebrq_http_requests",
            "HTTP requests answered, by route template",
            ["method", "route", "status"],
            registry=registry,
        )
        self._latency = Histogram(
            "lebrq_http_request_duration_seconds",
            "Time from the request to the end of the response body, by route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._rejections = Counter(
            "lebrq_guard_rejections",
            "Requests refused to protect the process, by reason",
            ["reason"],
            registry=registry,
        )
        self._rss = Gauge(
            "lebrq_process_resident_memory_bytes",
            "Resident memory of each worker process",
            registry=registry,
            multiprocess_mode="liveall",
        )
        self._pool = {
            name: Gauge(
                f"lebrq_db_pool_{name}",
                f"Database pool: {description} (sum over live workers)",
                registry=registry,
                multiprocess_mode="livesum",
            )
            for name, description in (
                ("size", "connections kept open"),
                ("checked_out", "connections in use"),
                ("checked_in", "idle connections"),
                ("overflow", "connections opened beyond the pool size"),
            )
        }

        self._messages = Counter(
            "lebrq_outbox_deliveries",
            "Tries of the outbox dispatcher by outcome: sent, failed (given up), expired, retried",
            ["kind", "channel", "outcome"],
            registry=registry,
        )
        # Read from the database at each scrape: the latest reading is the truth.
        self._outbox_pending = Gauge(
            "lebrq_outbox_pending_messages",
            "Messages waiting in the outbox",
            registry=registry,
            multiprocess_mode="mostrecent",
        )
        self._outbox_oldest = Gauge(
            "lebrq_outbox_oldest_pending_age_seconds",
            "Age of the oldest message waiting in the outbox (0 when none waits)",
            registry=registry,
            multiprocess_mode="mostrecent",
        )

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self._requests.labels(method, route, str(status)).inc()
        self._latency.labels(method, route).observe(seconds)

    def count_rejection(self, reason: str) -> None:
        self._rejections.labels(reason).inc()

    def record_process(self, *, rss_bytes: int, pool: PoolStatus | None) -> None:
        self._rss.set(rss_bytes)
        if pool is not None:
            self._pool["size"].set(pool.size)
            self._pool["checked_out"].set(pool.checked_out)
            self._pool["checked_in"].set(pool.checked_in)
            self._pool["overflow"].set(pool.overflow)

    def count_message(self, *, kind: str, channel: str, outcome: str) -> None:
        self._messages.labels(kind, channel, outcome).inc()

    def record_outbox(self, *, pending: int, oldest_pending_age_seconds: float) -> None:
        self._outbox_pending.set(pending)
        self._outbox_oldest.set(oldest_pending_age_seconds)

    def render(self) -> bytes:
        from prometheus_client.exposition import generate_latest

        if not self._directory:
            return generate_latest(self._registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self._directory)
        return generate_latest(merged)

    def close(self) -> None:
        if self._directory:
            mark_process_dead(os.getpid(), self._directory)

    def _forget_dead_workers(self) -> None:
        """A worker killed by Granian (max RSS, lifetime, crash) never ran close()."""
        assert self._directory
        pids = {int(m.group(1)) for f in os.listdir(self._directory) if (m := _LIVE_GAUGE_FILE.match(f))}
        for pid in pids - {os.getpid()}:
            if not _is_alive(pid):
                mark_process_dead(pid, self._directory)


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
