"""The use cases the HTTP layer calls, put together by bootstrap and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import State

from lebrq.domain.services.accounts import AccountService
from lebrq.domain.services.audit import AuditLogService
from lebrq.domain.services.auth import AuthService
from lebrq.domain.services.bookings import BookingService
from lebrq.domain.services.catalog import CatalogService
from lebrq.domain.services.media import MediaService
from lebrq.domain.services.outbox_admin import OutboxAdmin
from lebrq.domain.services.outbox_dispatcher import OutboxDispatcher
from lebrq.domain.services.programs import ProgramService
from lebrq.domain.services.sessions import SessionService
from lebrq.domain.services.tax_document_files import TaxDocumentFiles
from lebrq.domain.services.throttles import Throttles
from lebrq.domain.services.user_admin import UserAdministration
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
