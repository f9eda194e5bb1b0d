"""LeBRQ venue-booking backend."""

from lebrq.deferred_imports import defer_until_first_use

__version__ = "0.1.0"

# Litestar imports PyYAML for /schema/openapi.yaml alone: it loads when that is asked for.
defer_until_first_use("yaml")
