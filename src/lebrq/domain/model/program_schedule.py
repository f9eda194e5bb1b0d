"""When a regular program's sessions take place, and whether they clash with a slot.

A program meets on some weekdays (0 = Monday ... 6 = Sunday) at a local start time for a
duration, on every such day from `starts_on` to `ends_on` inclusive, in the venue's time
zone. Sessions are computed, never stored: a clash check looks only at the few days
around the slot in question.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from lebrq.domain.model.bookings import TimeSlot

_UTC = ZoneInfo("UTC")


class ProgramSchedule(msgspec.Struct, frozen=True, gc=False):
    weekdays: tuple[int, ...]
    start_time: time
    duration_minutes: int
    starts_on: date
    ends_on: date
    timezone: str

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    def session_on(self, day: date) -> TimeSlot | None:
        """The session held on that local day, if any (in UTC)."""
        if not self.starts_on <= day <= self.ends_on or day.weekday() not in self.weekdays:
            return None
        start = datetime.combine(day, self.start_time, tzinfo=ZoneInfo(self.timezone)).astimezone(_UTC)
        return TimeSlot(start, start + self.duration)

    def sessions_between(self, window: TimeSlot) -> Iterator[TimeSlot]:
        """Sessions overlapping `window`, earliest first."""
        zone = ZoneInfo(self.timezone)
        # A session that began on an earlier day can still run into the window.
        first = max(self.starts_on, (window.start - self.duration).astimezone(zone).date() - timedelta(days=1))
        last = min(self.ends_on, window.end.astimezone(zone).date())
        day = first
        while day <= last:
            session = self.session_on(day)
            if session is not None and session.overlaps(window):
                yield session
            day += timedelta(days=1)

    def first_clash(self, slot: TimeSlot) -> TimeSlot | None:
        return next(self.sessions_between(slot), None)

    def first_clash_with(self, other: ProgramSchedule) -> TimeSlot | None:
        """A session of this schedule that overlaps a session of `other`, if any."""
        if self.ends_on < other.starts_on - timedelta(days=1) or other.ends_on < self.starts_on - timedelta(days=1):
            return None
        # A session of the day before `other` begins may run past midnight into it.
        day = max(self.starts_on, other.starts_on - timedelta(days=1))
        last = min(self.ends_on, other.ends_on)
        while day <= last:
            session = self.session_on(day)
            if session is not None and other.first_clash(session) is not None:
                return session
            day += timedelta(days=1)
        return None

    def last_session(self) -> TimeSlot | None:
        """The final session, or None if no listed weekday falls in the date range."""
        day = self.ends_on
        while day >= max(self.starts_on, self.ends_on - timedelta(days=6)):
            session = self.session_on(day)
            if session is not None:
                return session
            day -= timedelta(days=1)
        return None

    def span(self) -> TimeSlot:
        """From the start of the first day to the end of a session on the last day: every
        session lies inside."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(self.starts_on, time(0), tzinfo=zone).astimezone(_UTC)
        end = datetime.combine(self.ends_on + timedelta(days=1), self.start_time, tzinfo=zone).astimezone(_UTC)
        return TimeSlot(start, end + self.duration)


def local_session(session: TimeSlot, zone: ZoneInfo) -> str:
    """A session as people at the venue read it: 'Mon 2026-12-07 07:00-08:00 Asia/Kolkata'."""
    start, end = session.start.astimezone(zone), session.end.astimezone(zone)
    return f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M} {zone.key}"
