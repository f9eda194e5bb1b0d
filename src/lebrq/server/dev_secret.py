"""The development JWT secret: generated once into var/jwt-secret when none is configured.

Written so that no reader ever sees a partial file: the secret goes to a temporary
file (0600) in the same folder, is flushed to disk, and is then linked into place,
which fails if another process got there first (their secret is used then). A file
that is nevertheless unusable (empty or short, e.g. from an older version) is replaced
the same way. Production never uses this (LEBRQ_ENV=production requires JWT_SECRET).
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path

logger = logging.getLogger("lebrq")

MIN_SECRET_BYTES = 32


def development_secret(secret_file: Path) -> str:
    existing = _read(secret_file)
    if existing is not None and len(existing.encode()) >= MIN_SECRET_BYTES:
        return existing
    if existing is not None:
        logger.warning("%s holds no usable secret (%d bytes): replacing it", secret_file, len(existing.encode()))
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    descriptor, temporary = tempfile.mkstemp(dir=secret_file.parent, prefix=".jwt-secret-")
    try:
        with os.fdopen(descriptor, "w") as handle:  # mkstemp creates it 0600
            handle.write(secret)
            handle.flush()
            os.fsync(handle.fileno())
        if existing is None:
            try:
                os.link(temporary, secret_file)
            except FileExistsError:
                # Another process made one at the same moment: everyone uses theirs.
                return development_secret(secret_file)
        else:
            os.replace(temporary, secret_file)
    finally:
        Path(temporary).unlink(missing_ok=True)
    return secret


def _read(secret_file: Path) -> str | None:
    try:
        return secret_file.read_text().strip()
    except FileNotFoundError:
        return None
