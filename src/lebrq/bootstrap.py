"""Composition root: settings -> adapters -> use cases -> Litestar app.

The only module that chooses adapters. Tests pass their own `adapters` provider
(for example in-memory ones) instead of monkeypatching.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Litestar

from lebrq.adapters.messaging.logging_channel import LoggingChannel
from lebrq.adapters.messaging.sms_http import HttpSmsChannel
from lebrq.adapters.messaging.smtp import SmtpEmailChannel
from lebrq.adapters.pdf.renderer import Fpdf2DocumentRenderer
from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher
from lebrq.adapters.sql.engine import create_engine
from lebrq.adapters.sql.health import SqlDatabaseHealth
from lebrq.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from lebrq.adapters.storage.filesystem import FilesystemBlobStorage
from lebrq.adapters.system.clock import SystemClock
from lebrq.adapters.system.memory import SystemMemoryProbe, return_large_blocks_to_the_system
from lebrq.adapters.system.periodic import run_in_background, run_periodically
from lebrq.adapters.system.prometheus_metrics import PrometheusMetrics
from lebrq.domain.model.cancellation import CancellationPolicy
from lebrq.domain.model.document_numbers import NumberFormat
from lebrq.domain.model.key_derivation import derive_key
from lebrq.domain.model.media import MediaKind
from lebrq.domain.model.otp import OtpCodeHasher
from lebrq.domain.model.outbox import Channel, RetryPolicy
from lebrq.domain.model.pricing import rate_from_percent
from lebrq.domain.model.quotas import Quotas
from lebrq.domain.model.sessions import SessionPolicy
from lebrq.domain.model.tax_documents import Seller
from lebrq.domain.model.throttling import Limit
from lebrq.domain.services.accounts import AccountService
from lebrq.domain.services.audit import AuditLogService
from lebrq.domain.services.auth import AuthService
from lebrq.domain.services.bookings import BookingPolicy, BookingService
from lebrq.domain.services.catalog import CatalogService
from lebrq.domain.services.media import MediaService
from lebrq.domain.services.notifications import Notifier
from lebrq.domain.services.outbox_admin import OutboxAdmin
from lebrq.domain.services.outbox_dispatcher import DeliveryOutcomes, OutboxDispatcher
from lebrq.domain.services.programs import ProgramService
from lebrq.domain.services.sessions import SessionService
from lebrq.domain.services.tax_document_files import TaxDocumentFiles
from lebrq.domain.services.tax_document_issuer import TaxDocumentIssuer
from lebrq.domain.services.throttles import ThrottlePolicy, Throttles
from lebrq.domain.services.user_admin import UserAdministration
from lebrq.http.access_tokens import AccessTokenCodec
from lebrq.http.app import build_http_app
from lebrq.http.metrics import MetricsAccess
from lebrq.http.operations import Operations
from lebrq.http.services import Services, services_of
from lebrq.ports.blob_storage import BlobStorage
from lebrq.ports.clock import Clock
from lebrq.ports.documents import DocumentRenderer
from lebrq.ports.health import DatabaseHealth
from lebrq.ports.memory import MemoryProbe
from lebrq.ports.messaging import MessageChannel
from lebrq.ports.security import PasswordHasher
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from lebrq.server.dev_secret import MIN_SECRET_BYTES, development_secret
from lebrq.server.memory import MemoryLimits, MemoryMonitor
from lebrq.settings import SMTP_SECURITY_PORTS, Settings, settings_from_env

if TYPE_CHECKING:
    from lebrq.adapters.storage.s3 import S3BlobStorage

logger = logging.getLogger("lebrq")

MIB = 1024 * 1024
ACCOUNT_SWEEP_SECONDS = 3600


@dataclass
class Adapters:
    """Everything outside the domain that the use cases talk to."""

    uow: UnitOfWorkFactory
    database: DatabaseHealth
    password_hasher: PasswordHasher
    # Where messages of each channel go; a channel missing here is not offered.
    channels: dict[Channel, MessageChannel]
    clock: Clock
    blob_storage: BlobStorage
    # None: build_services cannot serve invoice PDFs (every provider here sets one).
    document_renderer: DocumentRenderer | None = None


AdapterProvider = Callable[[Settings], AbstractAsyncContextManager[Adapters]]


def load_settings() -> Settings:
    """Settings from the environment, with a development JWT secret kept under var/
    when none is configured (tokens then survive restarts on this machine only).
    In production a missing or short JWT_SECRET is refused by the settings."""
    settings = settings_from_env()
    if settings.jwt_secret:
        if len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
            logger.warning("JWT_SECRET is shorter than %d bytes: fine for development only", MIN_SECRET_BYTES)
        return settings
    secret_file = Path(settings.var_dir) / "jwt-secret"
    logger.warning("JWT_SECRET is not set: using the development secret in %s", secret_file)
    return msgspec.structs.replace(settings, jwt_secret=development_secret(secret_file))


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        login_per_account=Limit.parse(settings.login_limit_per_account),
        login_per_address=Limit.parse(settings.login_limit_per_address),
        register_per_address=Limit.parse(settings.register_limit_per_address),
        otp_per_address=Limit.parse(settings.otp_limit_per_address),
    )


def access_token_codec(settings: Settings) -> AccessTokenCodec:
    return AccessTokenCodec(
        derive_key(settings.jwt_secret.encode(), "access token"), timedelta(minutes=settings.jwt_ttl_minutes)
    )


@asynccontextmanager
async def production_adapters(settings: Settings) -> AsyncIterator[Adapters]:
    return_large_blocks_to_the_system()
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_recycle=settings.db_pool_recycle,
        pool_timeout=settings.db_pool_timeout,
    )
    renderer = Fpdf2DocumentRenderer(
        settings.pdf_render_pool,
        settings.pdf_render_workers,
        idle_seconds=settings.pdf_render_idle_seconds,
    )
    blob_storage = build_blob_storage(settings)
    channels = build_channels(settings)
    try:
        yield Adapters(
            uow=SqlUnitOfWorkFactory(engine),
            database=SqlDatabaseHealth(engine, max_overflow=settings.db_max_overflow),
            password_hasher=Argon2PasswordHasher(
                memory_kib=settings.argon2_memory_kib,
                time_cost=settings.argon2_time_cost,
                concurrency=settings.password_hash_concurrency,
                queue_limit=settings.password_hash_queue,
            ),
            channels=channels,
            clock=SystemClock(),
            blob_storage=blob_storage,
            document_renderer=renderer,
        )
    finally:
        for channel in channels.values():
            await channel.close()
        await asyncio.to_thread(renderer.close)
        await asyncio.to_thread(blob_storage.close)
        await engine.dispose()


@asynccontextmanager
async def memory_adapters(settings: Settings) -> AsyncIterator[Adapters]:
    """Entirely in-memory adapters: no database, no files, codes recorded rather than
    sent. Unit tests and HTTP tests run on these; wiring them here also has mypy check
    that each fake still implements its port."""
    # Imported here: a serving worker never uses the fakes, so it does not load them.
    from lebrq.adapters.memory.health import MemoryDatabaseHealth
    from lebrq.adapters.memory.message_channel import RecordingChannel
    from lebrq.adapters.memory.password_hasher import FastPasswordHasher
    from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
    from lebrq.adapters.storage.memory import MemoryBlobStorage

    # Threads, not a child process: cheaper; the layout code is the same.
    renderer = Fpdf2DocumentRenderer("thread")
    recorder = RecordingChannel()
    try:
        yield Adapters(
            uow=MemoryUnitOfWorkFactory(),
            database=MemoryDatabaseHealth(),
            password_hasher=FastPasswordHasher(),
            # Email and SMS both recorded by one channel.
            channels=dict.fromkeys(Channel, recorder),
            clock=SystemClock(),
            blob_storage=MemoryBlobStorage(),
            document_renderer=renderer,
        )
    finally:
        renderer.close()


def build_quotas(settings: Settings) -> Quotas:
    return Quotas(
        pending_bookings_per_user=settings.quota_pending_bookings_per_user,
        audio_notes_per_booking=settings.quota_audio_notes_per_booking,
        audio_note_bytes_per_booking=settings.quota_audio_note_mb_per_booking * MIB,
        open_enrolments_per_user=settings.quota_open_enrolments_per_user,
    )


def build_blob_storage(settings: Settings) -> FilesystemBlobStorage | S3BlobStorage:
    """MEDIA_STORAGE: files under MEDIA_DIR, or an S3-compatible bucket (whose client is
    imported only then: a worker on filesystem storage never loads it)."""
    if settings.media_storage == "s3":
        from lebrq.adapters.storage.s3 import S3BlobStorage

        return S3BlobStorage(
            settings.s3_bucket,
            prefix=settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.aws_access_key_id,
            secret_access_key=settings.aws_secret_access_key,
        )
    return FilesystemBlobStorage(settings.media_dir)


def build_channels(settings: Settings) -> dict[Channel, MessageChannel]:
    """SMTP and the SMS bridge when configured. In development the logging channel stands
    in for a missing one; production never gets it (settings refuse production without a
    real channel, and a channel still missing there is simply not offered)."""
    channels: dict[Channel, MessageChannel] = {}
    if settings.smtp_host:
        channels[Channel.EMAIL] = SmtpEmailChannel(
            host=settings.smtp_host,
            port=settings.smtp_port or SMTP_SECURITY_PORTS[settings.smtp_security],
            security=settings.smtp_security,  # type: ignore[arg-type]
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout_seconds=settings.smtp_timeout_seconds,
        )
    if settings.sms_url:
        channels[Channel.SMS] = HttpSmsChannel(
            url=settings.sms_url, token=settings.sms_token, timeout_seconds=settings.sms_timeout_seconds
        )
    if not settings.is_production:
        for channel in (Channel.EMAIL, Channel.SMS):
            if channel not in channels:
                logger.warning("no %s channel configured: messages go to the log (development only)", channel.value)
                channels[channel] = LoggingChannel(sms=channel is Channel.SMS)
    return channels


def dispatcher_owner() -> str:
    """Names this worker in the outbox's claims: host, process, and a random part so a
    reused pid never inherits a dead worker's claims."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def build_services(settings: Settings, adapters: Adapters, *, outcomes: DeliveryOutcomes | None = None) -> Services:
    quotas = build_quotas(settings)
    if adapters.document_renderer is None:
        raise ValueError("Adapters.document_renderer is required to serve invoice PDFs")
    tax_documents = TaxDocumentFiles(adapters.uow, adapters.document_renderer, adapters.blob_storage)
    dispatcher = OutboxDispatcher(
        adapters.uow,
        adapters.channels,
        adapters.clock,
        tax_documents,
        adapters.blob_storage,
        owner=dispatcher_owner(),
        lease=timedelta(seconds=settings.outbox_lease_seconds),
        retry=RetryPolicy(
            first_delay=timedelta(seconds=settings.outbox_retry_seconds), max_attempts=settings.outbox_max_attempts
        ),
        concurrency=settings.outbox_concurrency,
        poll_seconds=settings.outbox_poll_seconds,
        outcomes=outcomes,
    )
    notifier = Notifier(channels=dispatcher.channels, seller_name=settings.seller_name, wake=dispatcher.wake)
    sessions = SessionService(
        adapters.uow,
        adapters.clock,
        SessionPolicy(
            refresh_ttl=timedelta(days=settings.refresh_token_days),
            state_ttl=timedelta(seconds=settings.session_check_seconds),
        ),
    )
    throttles = Throttles(adapters.uow, adapters.clock)
    limits = throttle_policy(settings)
    auth = AuthService(
        uow=adapters.uow,
        hasher=adapters.password_hasher,
        notifier=notifier,
        clock=adapters.clock,
        # A key of its own (HKDF), not the token-signing key.
        otp_hasher=OtpCodeHasher(derive_key(settings.jwt_secret.encode(), "one-time codes")),
        sessions=sessions,
        throttles=throttles,
        throttle_policy=limits,
    )
    media = MediaService(
        uow=adapters.uow,
        storage=adapters.blob_storage,
        clock=adapters.clock,
        max_bytes={
            MediaKind.POSTER: settings.upload_poster_max_mb * MIB,
            MediaKind.IMAGE: settings.upload_image_max_mb * MIB,
            MediaKind.VIDEO: settings.upload_video_max_mb * MIB,
            MediaKind.AUDIO_NOTE: settings.upload_audio_max_mb * MIB,
        },
        quotas=quotas,
    )
    catalog = CatalogService(uow=adapters.uow, clock=adapters.clock)
    programs = ProgramService(adapters.uow, adapters.clock, quotas, notifier=notifier)
    bookings = BookingService(
        uow=adapters.uow,
        clock=adapters.clock,
        issuer=build_document_issuer(settings),
        policy=BookingPolicy(
            hold=timedelta(minutes=settings.booking_hold_minutes),
            gst_rate_basis_points=rate_from_percent(settings.gst_rate_percent),
        ),
        quotas=quotas,
        notifier=notifier,
    )
    accounts = AccountService(
        uow=adapters.uow,
        hasher=adapters.password_hasher,
        clock=adapters.clock,
        sessions=sessions,
        throttles=throttles,
        bookings=bookings,
        programs=programs,
        throttle_policy=limits,
    )
    return Services(
        auth=auth,
        sessions=sessions,
        throttles=throttles,
        accounts=accounts,
        database=adapters.database,
        catalog=catalog,
        bookings=bookings,
        media=media,
        blob_storage=adapters.blob_storage,
        programs=programs,
        tax_documents=tax_documents,
        audit_log=AuditLogService(adapters.uow),
        user_admin=UserAdministration(adapters.uow, adapters.clock, sessions),
        outbox=OutboxAdmin(adapters.uow, adapters.clock),
        outbox_dispatcher=dispatcher,
    )


async def sweep_accounts(services: Services) -> None:
    """Ended sessions and idle throttle counters are deleted (any worker may do it)."""
    await services.sessions.sweep()
    await services.throttles.sweep()


def build_document_issuer(settings: Settings) -> TaxDocumentIssuer:
    if not settings.seller_gstin:
        logger.warning("SELLER_GSTIN is not set: invoices will say the seller is not GST-registered")
    return TaxDocumentIssuer(
        Seller(
            name=settings.seller_name,
            gstin=settings.seller_gstin,
            address=settings.seller_address,
            state=settings.seller_state,
            state_code=settings.seller_state_code,
            sac_code=settings.seller_sac_code,
        ),
        invoice_format=NumberFormat(settings.invoice_prefix),
        credit_note_format=NumberFormat(settings.credit_note_prefix),
        cancellation_policy=CancellationPolicy.parse(settings.cancellation_policy),
    )


def build_operations(settings: Settings, memory_probe: MemoryProbe | None = None) -> Operations:
    return Operations(
        memory=memory_probe or SystemMemoryProbe(),
        limits=MemoryLimits(
            threshold_percent=settings.memory_threshold_percent, critical_percent=settings.memory_critical_percent
        ),
        metrics=PrometheusMetrics(),
        memory_check_seconds=settings.memory_check_seconds,
    )


def memory_monitor_lifespan(
    operations: Operations, *, every_seconds: float
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """The memory monitor as a background job of the app's lifetime; each round also
    refreshes this worker's RSS and pool gauges. At shutdown the job is cancelled and
    awaited, and the worker's live gauges are withdrawn."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        database = services_of(app.state).database
        monitor = MemoryMonitor(operations.memory, operations.limits)

        async def check_and_record() -> None:
            check = monitor.check()
            operations.metrics.record_process(rss_bytes=check.reading.process_rss_bytes, pool=database.pool_status())

        try:
            async with run_periodically(check_and_record, every_seconds=every_seconds, name="memory-monitor"):
                yield
        finally:
            operations.metrics.close()

    return lifespan


def create_app(
    settings: Settings | None = None,
    *,
    adapters: AdapterProvider | None = None,
    memory_probe: MemoryProbe | None = None,
    extra_route_handlers: Sequence[Any] = (),
) -> Litestar:
    """The ASGI application. Granian calls this with no arguments (`--factory`).
    Tests pass adapters, a memory probe, or extra route handlers (e.g. one that raises
    MemoryError); production has none of those extra routes."""
    settings = settings or load_settings()
    provide_adapters = adapters or production_adapters
    operations = build_operations(settings, memory_probe)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with provide_adapters(settings) as opened:
            services = build_services(settings, opened, outcomes=operations.metrics)
            app.state.services = services
            if settings.admin_email and settings.admin_password:
                await services.auth.ensure_admin(email=settings.admin_email, password=settings.admin_password)
            try:
                async with (
                    run_periodically(
                        services.bookings.expire_lapsed_holds,
                        every_seconds=settings.booking_sweep_seconds,
                        name="booking-hold-sweep",
                    ),
                    # Not at start: nothing ended while the service was down needs deleting at once.
                    run_periodically(
                        partial(sweep_accounts, services),
                        every_seconds=ACCOUNT_SWEEP_SECONDS,
                        first_after_seconds=ACCOUNT_SWEEP_SECONDS,
                        name="account-sweep",
                    ),
                    run_in_background(services.outbox_dispatcher.run, name="outbox-dispatcher"),
                ):
                    yield
            finally:
                await services.tax_documents.drain()

    return build_http_app(
        access_tokens=access_token_codec(settings),
        max_body_size=settings.max_body_size_bytes,
        lifespan=[lifespan, memory_monitor_lifespan(operations, every_seconds=settings.memory_monitor_seconds)],
        operations=operations,
        metrics_access=MetricsAccess(token=settings.metrics_token, public=not settings.is_production),
        extra_route_handlers=extra_route_handlers,
        cors_allow_origins=settings.cors_origins,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
