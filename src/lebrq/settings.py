"""Service settings: one frozen msgspec Struct read from environment variables.

Each field is read from the upper-cased variable of the same name (`db_pool_size` <-
`DB_POOL_SIZE`), so the earlier deployment's variable names keep working. A value that
does not convert or breaks a bound raises `SettingsError` naming the variable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

PositiveInt = Annotated[int, Meta(ge=1)]
# A bearer token that guards /metrics: short ones could be guessed.
MIN_METRICS_TOKEN_LENGTH = 16
NonNegativeInt = Annotated[int, Meta(ge=0)]
Percent = Annotated[float, Meta(gt=0, le=100)]


class SettingsError(ValueError):
    """A variable is missing or has a bad value; the message names it."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    # Embedded default: SQLite under ./var; production: mysql+asyncmy://user:pw@host/db
    database_url: str = ""
    var_dir: str = "var"
    media_dir: str = ""
    jwt_secret: str = ""
    # Access tokens are short-lived; a session lives on through its refresh tokens.
    jwt_ttl_minutes: Annotated[int, Meta(ge=1, le=60)] = 15
    refresh_token_days: PositiveInt = 30
    # How long a worker trusts what it read about a session (logout, disabled, role)
    # on non-admin routes; admin routes always read it afresh.
    session_check_seconds: Annotated[int, Meta(ge=1, le=60)] = 30
    # Throttles, COUNT/PERIOD or 0 (off); counted in the database, shared by all workers.
    login_limit_per_account: str = "10/15m"
    login_limit_per_address: str = "50/15m"
    register_limit_per_address: str = "10/1h"
    otp_limit_per_address: str = "30/1h"
    db_pool_size: PositiveInt = 2
    db_max_overflow: Annotated[int, Meta(ge=0)] = 2
    db_pool_recycle: PositiveInt = 280
    db_pool_timeout: PositiveInt = 10
    max_body_size_mb: PositiveInt = 15
    memory_threshold_percent: Percent = 85.0
    memory_critical_percent: Percent = 90.0
    # The memory guard re-reads system memory at most this often (never per request).
    memory_check_seconds: Annotated[float, Meta(gt=0)] = 2.0
    # The background monitor logs RSS and system use this often, and collects above the threshold.
    memory_monitor_seconds: PositiveInt = 30
    # Argon2id cost: OWASP's 19 MiB / 2 passes keeps a hash cheap in memory; at most
    # `password_hash_concurrency` hashes run at once per worker.
    argon2_memory_kib: Annotated[int, Meta(ge=8)] = 19456
    argon2_time_cost: PositiveInt = 2
    password_hash_concurrency: PositiveInt = 2
    # Sign-ins waiting for a hashing slot, per worker; beyond it: 503 + Retry-After at once.
    password_hash_queue: Annotated[int, Meta(ge=0)] = 16
    admin_email: str = ""
    admin_password: str = ""
    log_level: str = "INFO"
    # Bookings: GST rate (split CGST/SGST), how long a pending booking holds its slot,
    # and how often lapsed holds are written down as expired.
    gst_rate_percent: Annotated[float, Meta(ge=0, le=100)] = 18.0
    booking_hold_minutes: PositiveInt = 30
    booking_sweep_seconds: PositiveInt = 60
    # Per-kind upload limits in MiB (API.md "Uploads and files"), enforced while bytes arrive.
    upload_poster_max_mb: PositiveInt = 10
    upload_image_max_mb: PositiveInt = 10
    upload_video_max_mb: PositiveInt = 500
    upload_audio_max_mb: PositiveInt = 25
    # Invoices and credit notes (GST). The seller block printed on every document; supplies
    # are intra-state, so tax is split CGST + SGST of `seller_state`.
    seller_name: str = "LeBRQ"
    seller_gstin: str = ""
    seller_address: str = ""
    seller_state: str = "Karnataka"
    seller_state_code: str = "29"
    seller_sac_code: str = "997212"
    invoice_prefix: str = "LEBRQ"
    credit_note_prefix: str = "LEBRQ-CN"
    # Refund tiers "notice:percent" (7d = 7 days, 48h, 90m): at least that notice -> that share back.
    cancellation_policy: str = "7d:100,48h:50"
    # Where PDFs render: "process" (a child started on demand; fpdf2 never enters the worker) or "thread".
    pdf_render_pool: Literal["process", "thread"] = "process"
    pdf_render_workers: PositiveInt = 1
    # Browser pages on these origins (scheme://host[:port], comma-separated) may call the
    # API (CORS); none by default. Exact origins only: never "*".
    cors_allow_origins: str = ""
    # A render child with no work for this long exits (the next render starts a new one).
    pdf_render_idle_seconds: Annotated[float, msgspec.Meta(gt=0)] = 30.0
    # "development" or "production": production never serves /metrics publicly and refuses
    # development conveniences (a generated JWT secret).
    lebrq_env: Literal["development", "production"] = "development"
    # When set, /metrics needs `Authorization: Bearer METRICS_TOKEN` (an admin token also works).
    metrics_token: str = ""
    # Quotas per account (API.md "Accounts, sessions and administration"): what one
    # registered user may hold at once, so one account cannot hold every slot or fill
    # the disk. 0 turns a quota off.
    quota_pending_bookings_per_user: NonNegativeInt = 3
    quota_audio_notes_per_booking: NonNegativeInt = 10
    quota_audio_note_mb_per_booking: NonNegativeInt = 100
    quota_open_enrolments_per_user: NonNegativeInt = 5
    # Several machines (docs/deployment.md). `lebrq_tls`: "auto" serves TLS itself (the
    # configured certificate, else a development one), "off" plain HTTP behind a proxy.
    lebrq_tls: str = "auto"
    # Comma-separated addresses or networks (CIDR) of proxies whose X-Forwarded-*/Forwarded
    # headers are believed; "*" trusts every peer (only when nothing else can connect).
    forwarded_allow_ips: str = ""
    # `lebrq serve` migrates under a database lock; false: refuse to start while behind.
    migrate_on_start: bool = True
    # Where media and rendered PDFs live: "filesystem" (MEDIA_DIR) or "s3" (S3_*, AWS_*).
    media_storage: str = "filesystem"
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""
    aws_access_key_id: str = ""
    aws_secret_access_key: str = ""
    # Messages to customers (docs/notifications.md). Email over SMTP when SMTP_HOST is set;
    # SMTP_PORT 0 means the usual port of SMTP_SECURITY (none 25, starttls 587, tls 465).
    smtp_host: str = ""
    smtp_port: Annotated[int, Meta(ge=0, le=65535)] = 0
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"
    smtp_timeout_seconds: PositiveInt = 30
    mail_from: str = ""
    # SMS through an HTTP gateway bridge: JSON POST {to, text}, Authorization: Bearer SMS_TOKEN.
    sms_url: str = ""
    sms_token: str = ""
    sms_timeout_seconds: PositiveInt = 15
    # The outbox dispatcher of each worker: how often it looks without being woken, how long
    # a claim holds a message (a dead worker's messages are retried after that), how many
    # messages it sends at once, how many tries before a message is marked failed.
    outbox_poll_seconds: Annotated[float, Meta(gt=0)] = 5.0
    outbox_lease_seconds: Annotated[int, Meta(ge=2)] = 120
    outbox_concurrency: PositiveInt = 4
    outbox_max_attempts: PositiveInt = 12
    # First wait after a failed try; doubles per try (with jitter) up to an hour.
    outbox_retry_seconds: Annotated[float, Meta(gt=0)] = 10.0

    def __post_init__(self) -> None:
        if self.memory_critical_percent < self.memory_threshold_percent:
            raise SettingsError("MEMORY_CRITICAL_PERCENT must not be below MEMORY_THRESHOLD_PERCENT")
        if self.database_url and not re.match(r"^(sqlite\+aiosqlite|mysql\+asyncmy)://", self.database_url):
            raise SettingsError("DATABASE_URL must start with sqlite+aiosqlite:// or mysql+asyncmy://")
        if self.metrics_token and len(self.metrics_token) < MIN_METRICS_TOKEN_LENGTH:
            raise SettingsError(f"METRICS_TOKEN must have at least {MIN_METRICS_TOKEN_LENGTH} characters")
        _check_invoicing(self)
        _check_origins(self.cors_origins)
        _check_deployment(self)
        _check_accounts(self)
        _check_messaging(self)

    @property
    def max_body_size_bytes(self) -> int:
        return self.max_body_size_mb * 1024 * 1024

    @property
    def cors_origins(self) -> tuple[str, ...]:
        return tuple(origin.strip() for origin in self.cors_allow_origins.split(",") if origin.strip())

    @property
    def is_production(self) -> bool:
        return self.lebrq_env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def settings_from_env(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build settings from the environment; `overrides` (field names) win over it.
    Derived defaults (database and media under `var_dir`) are filled in here."""
    environ = os.environ if environ is None else environ
    raw: dict[str, object] = {}
    for field in msgspec.structs.fields(Settings):
        value = environ.get(field.name.upper())
        if value is not None and value != "":
            raw[field.name] = value
    raw.update(overrides)
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(_name_variable(str(exc))) from None
    var_dir = Path(settings.var_dir)
    return msgspec.structs.replace(
        settings,
        database_url=settings.database_url or f"sqlite+aiosqlite:///{(var_dir / 'lebrq.sqlite3').as_posix()}",
        media_dir=settings.media_dir or str(var_dir / "media"),
    )


def _name_variable(message: str) -> str:
    """msgspec says '... - at `$.db_pool_size`'; the operator knows `DB_POOL_SIZE`."""
    match = re.search(r"at `\$\.(\w+)`", message)
    if not match:
        return f"invalid settings: {message}"
    detail = message[: match.start()].rstrip(" -")
    return f"{match.group(1).upper()}: {detail}"


_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def _check_origins(origins: tuple[str, ...]) -> None:
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise SettingsError(
                f"CORS_ALLOW_ORIGINS: {origin!r} is not an origin such as https://app.example.com or "
                "http://localhost:5173 (scheme, lower-case host, optional port; no path, no '*')"
            )


def _check_invoicing(settings: Settings) -> None:
    # Imported here: settings are read before anything else, and these are pure rules.
    from lebrq.domain.model.cancellation import CancellationPolicy
    from lebrq.domain.model.document_numbers import NumberFormat

    try:
        CancellationPolicy.parse(settings.cancellation_policy)
    except ValueError as exc:
        raise SettingsError(f"CANCELLATION_POLICY: {exc}") from None
    for name in ("invoice_prefix", "credit_note_prefix"):
        try:
            NumberFormat(getattr(settings, name))
        except ValueError as exc:
            raise SettingsError(f"{name.upper()}: {exc}") from None
    if settings.invoice_prefix == settings.credit_note_prefix:
        raise SettingsError("CREDIT_NOTE_PREFIX must differ from INVOICE_PREFIX (separate number series)")


def _check_deployment(settings: Settings) -> None:
    if settings.lebrq_tls not in ("auto", "off"):
        raise SettingsError("LEBRQ_TLS must be 'auto' or 'off'")
    if settings.media_storage not in ("filesystem", "s3"):
        raise SettingsError("MEDIA_STORAGE must be 'filesystem' or 's3'")
    if settings.media_storage == "s3" and not settings.s3_bucket:
        raise SettingsError("S3_BUCKET is required when MEDIA_STORAGE=s3")
    if settings.s3_endpoint_url and not re.match(r"^https?://[^/]+/?$", settings.s3_endpoint_url):
        raise SettingsError("S3_ENDPOINT_URL must be http(s)://host[:port] (the bucket goes in S3_BUCKET)")
    if settings.s3_prefix.startswith("/") or "//" in settings.s3_prefix:
        raise SettingsError("S3_PREFIX must be a relative path such as 'lebrq/media'")
    # Imported here for the same reason as in _check_invoicing.
    from lebrq.http.forwarded import TrustedProxies

    try:
        TrustedProxies.parse(settings.forwarded_allow_ips)
    except ValueError as exc:
        raise SettingsError(f"FORWARDED_ALLOW_IPS: {exc}") from None


THROTTLE_SETTINGS = (
    "login_limit_per_account",
    "login_limit_per_address",
    "register_limit_per_address",
    "otp_limit_per_address",
)
MIN_SECRET_BYTES = 32


def _check_accounts(settings: Settings) -> None:
    from lebrq.domain.model.throttling import Limit

    if settings.is_production and len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(
            f"JWT_SECRET must be set to a random value of at least {MIN_SECRET_BYTES} bytes when LEBRQ_ENV=production"
            f" (it has {len(settings.jwt_secret.encode())}); for example: python -c 'import secrets;"
            " print(secrets.token_urlsafe(48))'"
        )
    for name in THROTTLE_SETTINGS:
        try:
            Limit.parse(getattr(settings, name))
        except ValueError as exc:
            raise SettingsError(f"{name.upper()}: {exc}") from None


SMTP_SECURITY_PORTS = {"none": 25, "starttls": 587, "tls": 465}


def _check_messaging(settings: Settings) -> None:
    if settings.smtp_security not in SMTP_SECURITY_PORTS:
        raise SettingsError("SMTP_SECURITY must be 'none', 'starttls' or 'tls'")
    if settings.smtp_host and "@" not in settings.mail_from:
        raise SettingsError("MAIL_FROM must be set to a sender address when SMTP_HOST is set")
    if settings.smtp_password and not settings.smtp_username:
        raise SettingsError("SMTP_PASSWORD is set but SMTP_USERNAME is not")
    if settings.sms_url:
        if not re.match(r"^https?://", settings.sms_url):
            raise SettingsError("SMS_URL must be an http:// or https:// URL")
        if not settings.sms_token:
            raise SettingsError("SMS_TOKEN must be set when SMS_URL is set")
    if settings.is_production and not (settings.smtp_host or settings.sms_url):
        raise SettingsError(
            "LEBRQ_ENV=production needs a real message channel: set SMTP_HOST and MAIL_FROM (email) "
            "or SMS_URL and SMS_TOKEN (SMS); the logging channel is for development only"
        )
