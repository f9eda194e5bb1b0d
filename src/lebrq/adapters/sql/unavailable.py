"""Which database errors mean "the database cannot be reached (or is too busy) right
now", as opposed to a bug: the unit of work turns the first kind into the port-level
DependencyUnavailable, which HTTP answers with 503 + Retry-After.

A connection that is refused, lost or timed out, a pool with no connection free in time,
and the server-side transient refusals (too many connections, lock wait timeout,
deadlock; SQLite's busy database) qualify. Anything else (a constraint, a type, a
missing table) is a bug and stays a 500 with its traceback in the log."""

from __future__ import annotations

import sqlalchemy as sa

# MySQL/MariaDB client and server codes that a retry a little later can cure.
_MYSQL_TRANSIENT = {
    1040,  # too many connections
    1205,  # lock wait timeout
    1213,  # deadlock
    2002,  # can't connect through socket
    2003,  # can't connect to server
    2006,  # server has gone away
    2013,  # lost connection during query
    2055,  # lost connection (system error)
}
_SQLITE_TRANSIENT = ("database is locked", "unable to open database", "disk i/o error")


def is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection free within pool_timeout
        return True
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa.exc.InterfaceError):
            return True
        if isinstance(exc, sa.exc.OperationalError):
            return _transient_driver_error(exc.orig)
        return False
    # Raised by the driver or the event loop outside SQLAlchemy's wrapping (refused, reset, timed out).
    return isinstance(exc, OSError)


def _transient_driver_error(orig: BaseException | None) -> bool:
    if orig is None:
        return True
    code = orig.args[0] if orig.args else None
    if isinstance(code, int):
        return code in _MYSQL_TRANSIENT
    message = str(orig).lower()
    return any(text in message for text in _SQLITE_TRANSIENT)
