"""How much of a confirmed booking is refunded when it is cancelled.

The policy is a list of tiers "at least this much notice before the start -> this
percentage back". The default, from the business: at least 7 days 100%, at least 48
hours 50%, otherwise nothing. A notice exactly on a tier's edge earns that tier.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import msgspec

from lebrq.domain.model.pricing import round_half_up

DEFAULT_CANCELLATION_POLICY = "7d:100,48h:50"

_TIER = re.compile(r"^\s*(\d{1,5})\s*([dhm])\s*:\s*(\d{1,3})\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class RefundTier(msgspec.Struct, frozen=True, gc=False):
    min_notice: timedelta
    percent: int


class CancellationPolicy(msgspec.Struct, frozen=True, gc=False):
    """Tiers ordered from the longest notice down; below the last tier nothing is refunded."""

    tiers: tuple[RefundTier, ...]

    def __post_init__(self) -> None:
        notices = [tier.min_notice for tier in self.tiers]
        if notices != sorted(notices, reverse=True) or len(set(notices)) != len(notices):
            raise ValueError("cancellation tiers must have distinct notices, longest first")
        for tier in self.tiers:
            if not 0 <= tier.percent <= 100:
                raise ValueError("a refund percentage is between 0 and 100")

    @classmethod
    def parse(cls, text: str) -> CancellationPolicy:
        """'7d:100,48h:50' -> tiers; units d(ays), h(ours), m(inutes). Empty: never refund."""
        tiers = []
        for part in filter(str.strip, text.split(",")):
            match = _TIER.match(part)
            if match is None:
                raise ValueError(f"cancellation tier {part.strip()!r} is not like '7d:100' or '48h:50'")
            amount, unit, percent = match.groups()
            tiers.append(RefundTier(timedelta(**{_UNITS[unit]: int(amount)}), int(percent)))
        return cls(tuple(sorted(tiers, key=lambda tier: tier.min_notice, reverse=True)))

    def refund_percent(self, *, starts_at: datetime, cancelled_at: datetime) -> int:
        notice = starts_at - cancelled_at
        return next((tier.percent for tier in self.tiers if notice >= tier.min_notice), 0)


def percent_of(amount_paise: int, percent: int) -> int:
    """`percent`% of an amount, rounded half up to the paisa like every amount (pricing)."""
    return round_half_up(amount_paise * percent, 100)
