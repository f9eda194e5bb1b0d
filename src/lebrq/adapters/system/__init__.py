"""The operating system and process-level services: clock, memory, metrics, background jobs."""

from lebrq.deferred_imports import defer_until_first_use

# prometheus_client's package __init__ also loads its exposition half (HTTP server, WSGI
# app, default collectors); prometheus_metrics imports the submodules it needs directly.
defer_until_first_use("prometheus_client")
