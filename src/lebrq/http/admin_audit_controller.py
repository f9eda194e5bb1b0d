"""GET /api/admin/audit-log: what administrators changed, newest first."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from lebrq.domain.model.audit import MAX_ACTION_LENGTH, MAX_TARGET_TYPE_LENGTH, AuditEntry, AuditFilter
from lebrq.domain.model.pagination import PageRequest
from lebrq.http.contract import DATE_TIME, IdFilter, parse_time
from lebrq.http.pagination import Paginated, paginated, provide_page_request
from lebrq.http.security import admin_only
from lebrq.http.services import Services


class AdminAuditLogController(Controller):
    path = "/api/admin/audit-log"
    tags = ["admin"]
    guards = [admin_only]

    @get(
        "/",
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        summary="Audit log of admin changes, newest first",
        operation_id="listAuditLog",
        description=(
            "Every change made by an administrator (catalog and programs created or updated, posters and "
            "images, bookings confirmed, cancellations by an admin, uploads, users' role or disabled flag) "
            "and the admin bootstrap at start-up (`actor_id` null), written in the same transaction as the "
            "change. `action` is `<target_type>.<verb>`, e.g. `venue.update`; `details` hold the fields sent "
            "and similar context, never a password, token or code. `from`/`to` bound `at` as [from, to)."
        ),
    )
    async def list_entries(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
        actor_id: IdFilter = None,
        action: Annotated[
            str | None, QueryParameter(min_length=1, max_length=MAX_ACTION_LENGTH, description="e.g. venue.update")
        ] = None,
        target_type: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=MAX_TARGET_TYPE_LENGTH,
                description="venue, item, program, booking, enrolment, media or user",
            ),
        ] = None,
        target_id: IdFilter = None,
        at_from: Annotated[
            str | None,
            QueryParameter(name="from", description="at or after (ISO 8601 with offset)", schema_extra=DATE_TIME),
        ] = None,
        at_to: Annotated[
            str | None,
            QueryParameter(
                name="to", description="before, after `from` (ISO 8601 with offset)", schema_extra=DATE_TIME
            ),
        ] = None,
    ) -> Paginated[AuditEntry]:
        filters = AuditFilter(
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=target_id,
            at_from=parse_time(at_from, "from"),
            at_to=parse_time(at_to, "to"),
        )
        return paginated(await services.audit_log.list(filters, page_request), _as_is)


def _as_is(entry: AuditEntry) -> AuditEntry:
    # The domain Struct is already the wire shape: {id, at, actor_id, action, target_type, target_id, details}.
    return entry
