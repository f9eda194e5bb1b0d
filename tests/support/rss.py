"""Peak resident memory of a running service, sampled in a thread while a transfer runs."""

from __future__ import annotations

import threading
from collections.abc import Callable


class RssSampler:
    """`with RssSampler(service.process_tree_rss) as sampler: ...` then `sampler.peak` (bytes)."""

    def __init__(self, read_rss: Callable[[], int], interval_seconds: float = 0.05) -> None:
        self._read = read_rss
        self._interval = interval_seconds
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._read())
            self._stop.wait(self._interval)
