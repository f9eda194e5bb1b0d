"""Regular programs: public reads, enrolment, the caller's enrolments, admin edits."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from lebrq.domain.model.media import MediaKind
from lebrq.domain.model.pagination import PageRequest
from lebrq.http.access_tokens import AccessClaims
from lebrq.http.contract import ResourceId, Upload, declare
from lebrq.http.media_controller import MediaOut, file_url
from lebrq.http.pagination import Paginated, paginated, provide_page_request
from lebrq.http.programs_schema import ProgramBookingOut, ProgramCreate, ProgramOut, ProgramPatch
from lebrq.http.security import AuthUser, admin_only
from lebrq.http.services import Services
from lebrq.http.uploads import incoming_files

Caller = Request[AuthUser, AccessClaims, Any]
_PAGE = {"page_request": Provide(provide_page_request, sync_to_thread=False)}
MAX_IMAGES_PER_REQUEST = 10


class ProgramController(Controller):
    path = "/api/programs"
    tags = ["programs"]

    @get(
        "/",
        exclude_from_auth=True,
        dependencies=_PAGE,
        summary="Regular programs, newest first",
        operation_id="listPrograms",
    )
    async def list_programs(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
    ) -> Paginated[ProgramOut]:
        return paginated(await services.programs.list(page_request), ProgramOut.of)

    @get("/{program_id:int}", exclude_from_auth=True, operation_id="getProgram")
    async def get_program(self, services: NamedDependency[Services], program_id: ResourceId) -> ProgramOut:
        return ProgramOut.of(await services.programs.get(program_id))

    @post(
        "/{program_id:int}/enroll",
        status_code=201,
        description="409 when the program is full, has ended, or the caller is already enrolled, "
        "or when the caller already has QUOTA_OPEN_ENROLMENTS_PER_USER open enrolments (default 5; active, "
        'in programs not ended; `extra`: `{"quota": "open_enrolments_per_user", "limit": 5}`).',
        operation_id="enrollInProgram",
        opt=declare(errors=(409,)),
    )
    async def enroll(
        self,
        request: Caller,
        services: NamedDependency[Services],
        program_id: ResourceId,
    ) -> ProgramBookingOut:
        return ProgramBookingOut.of(await services.programs.enroll(program_id, request.user.id))

    @post(
        "/{program_id:int}/enrolments/{booking_id:int}/cancel",
        status_code=200,
        description="Frees the seat; 409 if already cancelled.",
        operation_id="cancelEnrolment",
        opt=declare(errors=(409,)),
    )
    async def cancel_enrolment(
        self,
        request: Caller,
        services: NamedDependency[Services],
        program_id: ResourceId,
        booking_id: ResourceId,
    ) -> ProgramBookingOut:
        cancelled = await services.programs.cancel_enrolment(
            program_id, booking_id, user_id=request.user.id, is_admin=request.user.is_admin
        )
        return ProgramBookingOut.of(cancelled)


class MyEnrolmentsController(Controller):
    path = "/api/bookings/regular-programs"
    tags = ["programs", "bookings"]

    @get(
        "/",
        dependencies=_PAGE,
        summary="The caller's program enrolments, newest first",
        operation_id="listMyEnrolments",
    )
    async def list_mine(
        self,
        request: Caller,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
    ) -> Paginated[ProgramBookingOut]:
        return paginated(await services.programs.enrolments_of(request.user.id, page_request), ProgramBookingOut.of)


class AdminProgramController(Controller):
    path = "/api/admin/programs"
    tags = ["admin", "programs"]
    guards = [admin_only]

    @post(
        "/",
        status_code=201,
        description="409 if a session would overlap an active booking or another program at the venue; "
        "404 for an unknown venue.",
        operation_id="createProgram",
        opt=declare(errors=(404, 409)),
    )
    async def create_program(
        self, request: Caller, services: NamedDependency[Services], data: JSONBody[ProgramCreate]
    ) -> ProgramOut:
        return ProgramOut.of(await services.programs.create(data.fields(), actor_id=request.user.id))

    @patch(
        "/{program_id:int}",
        description="Changes only the fields sent; schedule changes are checked for clashes (409).",
        operation_id="updateProgram",
        opt=declare(errors=(409,)),
    )
    async def update_program(
        self,
        request: Caller,
        services: NamedDependency[Services],
        program_id: ResourceId,
        data: JSONBody[ProgramPatch],
    ) -> ProgramOut:
        return ProgramOut.of(await services.programs.update(program_id, data.fields(), actor_id=request.user.id))

    @post(
        "/{program_id:int}/poster",
        status_code=201,
        request_max_body_size=None,
        operation_id="uploadProgramPoster",
        opt=declare(upload=Upload("file")),
    )
    async def upload_poster(
        self,
        request: Caller,
        services: NamedDependency[Services],
        program_id: ResourceId,
    ) -> MediaOut:
        """A poster (JPEG, PNG or WebP) in multipart part `file`; becomes the program's poster_url."""
        await services.programs.require(program_id)
        rules = services.media.rules(MediaKind.POSTER)
        media = (
            await services.media.upload(
                rules,
                incoming_files(request, rules),
                owner_id=request.user.id,
                program_id=program_id,
                actor_id=request.user.id,
            )
        )[0]
        await services.programs.set_poster(program_id, file_url(media.id), actor_id=request.user.id)
        return MediaOut.of(media)

    @post(
        "/{program_id:int}/images",
        status_code=201,
        request_max_body_size=None,
        operation_id="uploadProgramImages",
        opt=declare(upload=Upload("files", max_files=MAX_IMAGES_PER_REQUEST)),
    )
    async def upload_images(
        self,
        request: Caller,
        services: NamedDependency[Services],
        program_id: ResourceId,
    ) -> list[MediaOut]:
        """1 to 10 images (JPEG, PNG, WebP or GIF) in multipart parts named `files`; added to image_urls."""
        await services.programs.require(program_id)
        rules = services.media.rules(MediaKind.IMAGE, field="files", min_files=1, max_files=MAX_IMAGES_PER_REQUEST)
        added = await services.media.upload(
            rules,
            incoming_files(request, rules),
            owner_id=request.user.id,
            program_id=program_id,
            actor_id=request.user.id,
        )
        await services.programs.add_images(
            program_id, [file_url(media.id) for media in added], actor_id=request.user.id
        )
        return [MediaOut.of(media) for media in added]


PROGRAM_CONTROLLERS = [ProgramController, MyEnrolmentsController, AdminProgramController]
