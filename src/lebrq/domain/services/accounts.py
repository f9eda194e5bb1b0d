"""A signed-in user's own account: changing the password, deleting the account."""

from __future__ import annotations

from contextlib import suppress

from lebrq.domain.model.bookings import BookingFilter, BookingStatus
from lebrq.domain.model.errors import Conflict, Forbidden, NotAuthenticated, NotFound
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.programs import EnrolmentStatus
from lebrq.domain.model.sessions import SessionState, SignInMethod
from lebrq.domain.model.users import User, check_password
from lebrq.domain.services.bookings import BookingService
from lebrq.domain.services.programs import ProgramService
from lebrq.domain.services.sessions import SessionService
from lebrq.domain.services.throttles import ThrottlePolicy, Throttles, ThrottleScope, key
from lebrq.ports.clock import Clock
from lebrq.ports.security import PasswordHasher
from lebrq.ports.unit_of_work import UnitOfWorkFactory

DELETION_REASON = "account deleted"
_BATCH = 100


class AccountService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        sessions: SessionService,
        throttles: Throttles,
        bookings: BookingService,
        programs: ProgramService,
        throttle_policy: ThrottlePolicy | None = None,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock
        self._sessions = sessions
        self._throttles = throttles
        self._bookings = bookings
        self._programs = programs
        self._limits = throttle_policy or ThrottlePolicy()

    async def change_password(self, session_id: int, *, current_password: str | None, new_password: str) -> None:
        """Sets a new password and ends the user's other sessions. The current password
        is required unless this session began with a one-time code in the last
        minutes (that is how a forgotten password is reset)."""
        check_password(new_password, field="new_password")
        session = await self._live_session(session_id)
        user = await self._user(session.user_id)
        if current_password is None:
            if not self._recent_otp_sign_in(session):
                # Not bad input: the same body is fine after a recent code sign-in.
                raise Forbidden(
                    "current_password is required (or sign in with a one-time code first to reset it)",
                    field="current_password",
                )
        else:
            # Guesses of the current password count like sign-in attempts on the account.
            await self._throttles.attempt(
                [(key(ThrottleScope.LOGIN_ACCOUNT, user.email or f"user:{user.id}"), self._limits.login_per_account)],
                "too many wrong passwords; try again later",
            )
            if user.password_hash is None or not await self._hasher.verify(user.password_hash, current_password):
                raise Forbidden("current_password is wrong", field="current_password")
        password_hash = await self._hasher.hash(new_password)
        async with self._uow() as uow:
            # Trusted only from someone who proved an identifier (see AuthService).
            await uow.users.set_password(user.id, password_hash, trusted=user.has_verified_identifier)
            await self._sessions.revoke_all_of_user(user.id, uow=uow, keep_session_id=session_id)
            await uow.commit()

    async def delete_account(self, session_id: int) -> None:
        """Cancels the user's pending bookings and enrolments, erases name, email and
        phone, ends every session. Issued invoices and credit notes are tax records:
        they keep their own copy of the buyer and stay unchanged."""
        session = await self._live_session(session_id)
        user_id = session.user_id
        await self._cancel_pending_bookings(user_id)
        await self._cancel_enrolments(user_id)
        async with self._uow() as uow:
            await uow.users.erase(user_id, self._clock.now())
            await self._sessions.revoke_all_of_user(user_id, uow=uow)
            await uow.commit()

    async def _cancel_pending_bookings(self, user_id: int) -> None:
        pending = BookingFilter(user_id=user_id, status=BookingStatus.PENDING)
        seen: set[int] = set()
        while True:
            page = await self._bookings.list(pending, PageRequest(page=1, page_size=_BATCH))
            fresh = [booking for booking in page.items if booking.id not in seen]
            if not fresh:
                return
            for booking in fresh:
                seen.add(booking.id)
                # Lapsed or cancelled meanwhile: not pending any more either way.
                with suppress(Conflict, NotFound):
                    await self._bookings.cancel(booking.id, caller_id=user_id, reason=DELETION_REASON)

    async def _cancel_enrolments(self, user_id: int) -> None:
        page_number = 1
        active = []
        while True:
            page = await self._programs.enrolments_of(user_id, PageRequest(page=page_number, page_size=_BATCH))
            active += [e for e in page.items if e.status is EnrolmentStatus.ENROLLED]
            if len(page.items) < _BATCH:
                break
            page_number += 1
        for enrolment in active:
            with suppress(Conflict, NotFound):
                await self._programs.cancel_enrolment(
                    enrolment.program_id, enrolment.id, user_id=user_id, is_admin=False
                )

    async def _live_session(self, session_id: int) -> SessionState:
        session = await self._sessions.state(session_id, fresh=True)
        if session is None or not session.active:
            raise NotAuthenticated("this session has ended; sign in again")
        return session

    async def _user(self, user_id: int) -> User:
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotAuthenticated("this session has ended; sign in again")
        return user

    def _recent_otp_sign_in(self, session: SessionState) -> bool:
        return (
            session.method is SignInMethod.OTP
            and self._clock.now() - session.signed_in_at <= self._sessions.policy.recent_otp_sign_in
        )
