"""The application factory each Granian worker calls (`--factory`).

Granian forks its workers from its supervisor, so a new worker shares the supervisor's
memory pages until it writes to them. Python's cyclic garbage collector writes to every
object it examines, and a worker's first collections (while it imports the app) would
copy every page holding the supervisor's objects into the worker for nothing: the
worker never uses most of them (Granian's command line, click). Freezing the collector
before anything else happens in the worker moves those objects out of its reach, so
their pages stay shared (about 2 MiB of each worker's USS, issue 14, docs/benchmarks.md).

The import of the application waits for the call, after the freeze.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar import Litestar

gc.freeze()


def create_app() -> Litestar:
    from lebrq.bootstrap import create_app as build_app

    return build_app()
