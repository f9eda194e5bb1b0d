"""prometheus_client's multiprocess mode as Granian workers use it: separate processes
writing to one directory, merged by whichever answers /metrics; workers that died without
saying so (killed for max RSS, recycled) keep their counts but lose their live gauges."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lebrq.adapters.system.prometheus_metrics import MULTIPROCESS_ENV, prepare_multiprocess_directory

WORKER = """
import os, sys
from lebrq.adapters.system.prometheus_metrics import PrometheusMetrics
metrics = PrometheusMetrics()
for _ in range(int(sys.argv[1])):
    metrics.observe_request(method="GET", route="/api/venues", status=200, seconds=0.01)
metrics.count_rejection("body_too_large")
metrics.record_process(rss_bytes=int(sys.argv[2]), pool=None)
if sys.argv[3] == "render":
    sys.stdout.write(metrics.render().decode())
# Exits without close(): like a worker killed by Granian.
"""


def run_worker(directory: Path, requests: int, rss: int, then: str = "exit") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, MULTIPROCESS_ENV: str(directory)}
    return subprocess.run(
        [sys.executable, "-c", WORKER, str(requests), str(rss), then],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def test_counts_of_every_worker_add_up_and_dead_workers_lose_their_live_gauges(tmp_path: Path) -> None:
    directory = prepare_multiprocess_directory(tmp_path / "metrics")
    run_worker(directory, requests=3, rss=111)
    run_worker(directory, requests=2, rss=222)

    text = run_worker(directory, requests=1, rss=333, then="render").stdout

    assert 'lebrq_http_requests_total{method="GET",route="/api/venues",status="200"} 6.0' in text
    assert 'lebrq_guard_rejections_total{reason="body_too_large"} 3.0' in text
    rss_lines = [line for line in text.splitlines() if line.startswith("lebrq_process_resident_memory_bytes{")]
    assert len(rss_lines) == 1 and rss_lines[0].endswith(" 333.0")


def test_a_new_run_starts_from_an_empty_directory(tmp_path: Path) -> None:
    directory = prepare_multiprocess_directory(tmp_path / "metrics")
    run_worker(directory, requests=5, rss=1)
    assert list(directory.glob("*.db"))

    prepare_multiprocess_directory(directory)

    assert not list(directory.glob("*.db"))
    text = run_worker(directory, requests=1, rss=1, then="render").stdout
    assert 'lebrq_http_requests_total{method="GET",route="/api/venues",status="200"} 1.0' in text
