"""`lebrq serve`: get ready once in the supervisor, then run Granian with granian.toml.

Order matters: every setting is validated before anything is created or started (exit
code 2 with the key named); then the development JWT secret is made once here, not
raced by several workers; then migrations run under the migration lock (or, with
MIGRATE_ON_START=false, the schema is only checked); then Granian takes over this process.
See docs/serving.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from lebrq.adapters.sql.migrations import current_revision, head_revision, upgrade_to_head
from lebrq.bootstrap import load_settings
from lebrq.server.dev_certificate import DevelopmentCertificate, ensure_development_certificate
from lebrq.server.granian_config import (
    APP_TARGET,
    ConfigValue,
    GranianConfig,
    GranianConfigError,
    read_config_file,
    resolve_granian_config,
)
from lebrq.server.json_logs import JsonLinesFormatter
from lebrq.server.launch import exec_granian
from lebrq.server.observability import observability_environment
from lebrq.settings import Settings, SettingsError, settings_from_env

logger = logging.getLogger("lebrq.serve")

DEV_CERTIFICATE_ORIGIN = "development certificate"
EXIT_BAD_CONFIGURATION = 2
EXIT_NOT_READY = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=Path("granian.toml"),
        metavar="PATH",
        help="Granian settings; keys are Granian's option names (default: ./granian.toml)",
    )
    # Not for production: tests point this at a factory that adds test-only routes
    # (tests/support/fault_routes.py). Hidden from --help.
    parser.add_argument("--app", default=APP_TARGET, help=argparse.SUPPRESS)
    parser.add_argument(
        "--print-config",
        action="store_true",
        help="print the effective settings (file, GRANIAN_* variables, defaults, certificate) and exit",
    )


def run(args: argparse.Namespace) -> int:
    # JSON lines on stderr from the first one (certificate, migrations), like the server
    # this process becomes; stdout stays free for --print-config.
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(JsonLinesFormatter())
    logging.basicConfig(level=logging.INFO, handlers=[console])
    try:
        settings = settings_from_env()
        config = configure_granian(args.config, settings)
    except (GranianConfigError, SettingsError) as exc:
        print(f"lebrq serve: {exc}", file=sys.stderr)
        return EXIT_BAD_CONFIGURATION
    if args.print_config:
        sys.stdout.write(config.as_toml())
        return 0

    settings = load_settings()  # makes the development JWT secret once, before any worker
    problem = prepare_database(settings)
    if problem is not None:
        print(f"lebrq serve: {problem}", file=sys.stderr)
        return EXIT_NOT_READY
    os.environ.update(
        observability_environment(
            Path(settings.var_dir),
            log_level=settings.log_level,
            log_config_configured=config.value("log-config") is not None,
        )
    )
    exec_granian(config, app_target=args.app)


def prepare_database(settings: Settings) -> str | None:
    """MIGRATE_ON_START=true: apply pending migrations (under the migration lock, so
    replicas started together take turns). false: only check that the schema is at this
    release's head. Returns what stops the service from starting, or None. Whatever the
    cause (unreachable server, bad URL, failed migration), it cannot start."""
    shown_url = make_url(settings.database_url).render_as_string(hide_password=True)
    if settings.migrate_on_start:
        try:
            upgrade_to_head(settings.database_url)
        except Exception as exc:
            return f"cannot apply migrations to {shown_url}: {exc}"
        logger.info("database schema at %s (MIGRATE_ON_START=true)", head_revision())
        return None
    try:
        current = current_revision(settings.database_url)
    except Exception as exc:
        return f"cannot read the schema revision of {shown_url}: {exc}"
    head = head_revision()
    if current != head:
        return (
            f"the database {shown_url} is at schema revision {current or '(none: empty)'}, but this release "
            f"needs {head}. MIGRATE_ON_START=false, so the service does not migrate by itself: run "
            "`lebrq db upgrade` (it waits for any migration already running), then start again."
        )
    return None


def configure_granian(config_path: Path, settings: Settings) -> GranianConfig:
    """granian.toml validated by Granian; with no certificate configured, a development
    certificate under `<var_dir>/tls/` takes its place. LEBRQ_TLS=off: plain HTTP, and a
    certificate set anyway is refused (one of the two settings is a mistake)."""
    values = read_config_file(config_path)
    config = resolve_granian_config(values)
    certificate, key = config.value("ssl-certificate"), config.value("ssl-keyfile")
    if settings.lebrq_tls == "off":
        if certificate or key:
            origin = config.effective["ssl-certificate" if certificate else "ssl-keyfile"].origin
            raise GranianConfigError(
                f"LEBRQ_TLS=off serves plain HTTP, but {origin} sets a certificate: remove it, "
                "or set LEBRQ_TLS=auto to serve TLS"
            )
        logger.info(
            "LEBRQ_TLS=off: serving plain HTTP; a TLS-terminating proxy in front is expected%s",
            f" (trusted: {settings.forwarded_allow_ips})" if settings.forwarded_allow_ips else "",
        )
        return config
    if certificate and key:
        return config
    if certificate or key:
        raise GranianConfigError(
            f"{config_path}: `ssl-certificate` and `ssl-keyfile` go together: set both, "
            "or neither to use a development certificate"
        )
    development = ensure_development_certificate(Path(settings.var_dir).resolve() / "tls")
    _log_development_certificate(development)
    return resolve_granian_config(
        {
            **values,
            "ssl-certificate": ConfigValue(str(development.certificate), DEV_CERTIFICATE_ORIGIN),
            "ssl-keyfile": ConfigValue(str(development.key), DEV_CERTIFICATE_ORIGIN),
        }
    )


def _log_development_certificate(development: DevelopmentCertificate) -> None:
    action = "made a new" if development.created else "using the"
    logger.warning(
        "no ssl-certificate configured: %s self-signed development certificate %s (key %s) for %s, "
        "valid until %s. Clients trust it with e.g. `curl --cacert %s`; set ssl-certificate and "
        "ssl-keyfile in granian.toml for a real one.",
        action,
        development.certificate,
        development.key,
        ", ".join(development.names),
        development.not_valid_after.date().isoformat(),
        development.certificate,
    )
