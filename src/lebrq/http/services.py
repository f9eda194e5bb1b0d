"""The use cases the HTTP layer calls, put together by bootstrap and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import State

from lebrq.domain.account_service import AccountService
from lebrq.domain.audit_service import AuditLogService
from lebrq.domain.auth import AuthService
from lebrq.domain.booking_service import BookingService
from lebrq.domain.catalog_service import CatalogService
from lebrq.domain.media_service import MediaService
from lebrq.domain.outbox_admin import OutboxAdmin
from lebrq.domain.outbox_dispatcher import OutboxDispatcher
from lebrq.domain.program_service import ProgramService
from lebrq.domain.session_service import SessionService
from lebrq.domain.tax_document_files import TaxDocumentFiles
from lebrq.domain.throttle_service import Throttles
from lebrq.domain.user_admin import UserAdministration
from lebrq.ports.blob_storage import BlobStorage
from lebrq.ports.health import DatabaseHealth


@dataclass(frozen=True)
class Services:
    auth: AuthService
    database: DatabaseHealth
    catalog: CatalogService
    bookings: BookingService
    media: MediaService
    blob_storage: BlobStorage
    programs: ProgramService
    tax_documents: TaxDocumentFiles
    audit_log: AuditLogService
    user_admin: UserAdministration
    sessions: SessionService
    throttles: Throttles
    accounts: AccountService
    outbox: OutboxAdmin
    outbox_dispatcher: OutboxDispatcher


def services_of(state: State) -> Services:
    services: Services = state.services
    return services


def provide_services(state: State) -> Services:
    return services_of(state)
