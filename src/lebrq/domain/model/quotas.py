"""Per-account quotas: how much one registered user may hold at once, so that one
account (or a handful of throwaway ones) cannot hold every slot, fill the disk with
audio notes or take every seat.

Each check runs inside the transaction that makes the change, after the lock that
serialises such changes (the user's row for bookings and enrolments, the booking's row
for its audio notes), so parallel requests cannot together pass a quota. A limit of 0
turns that quota off. Beyond a quota the answer is a Conflict (409) whose `extra` names
the quota and its limit: the state must change (a hold lapses, a booking is confirmed or
cancelled) before the same request can succeed, and waiting alone may not help.
"""

from __future__ import annotations

import msgspec

from lebrq.domain.model.errors import Conflict


class QuotaExceeded(Conflict):
    def __init__(self, quota: str, limit: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message, field=field, extra={"quota": quota, "limit": limit})
        self.quota = quota
        self.limit = limit


class MediaUsage(msgspec.Struct, frozen=True, gc=False):
    count: int = 0
    bytes: int = 0


class Quotas(msgspec.Struct, frozen=True, gc=False):
    pending_bookings_per_user: int = 0
    audio_notes_per_booking: int = 0
    audio_note_bytes_per_booking: int = 0
    open_enrolments_per_user: int = 0

    def check_pending_bookings(self, pending: int) -> None:
        """Before adding a pending booking to the `pending` ones the user holds (counted
        under the user's row lock)."""
        limit = self.pending_bookings_per_user
        if limit and pending >= limit:
            raise QuotaExceeded(
                "pending_bookings_per_user",
                limit,
                f"you already hold {limit} pending bookings; pay for or cancel one, or wait for a hold to lapse",
            )

    def check_open_enrolments(self, open_enrolments: int) -> None:
        """Before adding an enrolment to the user's `open_enrolments` (counted under the
        user's row lock). Open: active, in a program that has not ended (its `ends_on` is
        today or later)."""
        limit = self.open_enrolments_per_user
        if limit and open_enrolments >= limit:
            raise QuotaExceeded(
                "open_enrolments_per_user",
                limit,
                f"you are already enrolled in {limit} running programs; cancel one to enrol in another",
            )

    def audio_note_bytes_left(self, usage: MediaUsage) -> int | None:
        """Bytes a new note may still have (None: no byte quota); refuses at once when the
        booking has no room left at all, before any byte is read."""
        self.check_audio_notes(usage, added=MediaUsage())
        if not self.audio_note_bytes_per_booking:
            return None
        return self.audio_note_bytes_per_booking - usage.bytes

    def check_audio_notes(self, usage: MediaUsage, *, added: MediaUsage) -> None:
        """`usage` (the booking's notes) plus `added` must stay within both quotas; with
        nothing added, there must be room for one more note."""
        count_limit, bytes_limit = self.audio_notes_per_booking, self.audio_note_bytes_per_booking
        if count_limit and usage.count + max(added.count, 1) > count_limit:
            raise QuotaExceeded(
                "audio_notes_per_booking", count_limit, f"a booking holds at most {count_limit} audio notes"
            )
        if bytes_limit and (
            usage.bytes + added.bytes > bytes_limit or (not added.count and usage.bytes >= bytes_limit)
        ):
            raise self.audio_note_bytes_exceeded()

    def audio_note_bytes_exceeded(self) -> QuotaExceeded:
        limit = self.audio_note_bytes_per_booking
        return QuotaExceeded(
            "audio_note_bytes_per_booking",
            limit,
            f"a booking's audio notes hold at most {limit} bytes in all",
            field="file",
        )
