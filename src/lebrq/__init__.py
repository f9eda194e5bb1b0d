"""LeBRQ venue-booking backend."""

from lebrq.deferred_imports import defer_until_first_use

__version__ = "0.1.0"

# Litestar imports PyYAML for /schema/openapi.yaml alone, and pdb for its
# `pdb_on_exception` debugging option: each loads when first used.
defer_until_first_use("yaml")
defer_until_first_use("pdb")
