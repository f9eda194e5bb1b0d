"""Money rules for a booking: the venue charge, item lines and GST, in integer paise.

Rounding rule (one place, used by bookings and invoices alike):
- every amount is an integer number of paise; a fraction of a paisa is rounded half up
  (0.5 paisa -> 1 paisa), never with floats;
- venue charge = hourly rate x minutes / 60, rounded once;
- an item line = unit price x quantity (exact);
- GST is charged on the subtotal and split in two equal halves, CGST and SGST; each half
  is `subtotal x rate / 2`, rounded half up on its own, and the tax is the sum of the
  two rounded halves. So the two halves printed on an invoice always add up to the tax
  exactly, and the tax is always an even number of paise.
"""

from __future__ import annotations

import msgspec

from lebrq.domain.model.errors import InvalidInput

# A rate is held in basis points (1 % = 100 bp) so that 18 % or 0.25 % are exact integers.
BASIS_POINTS_PER_PERCENT = 100
DEFAULT_GST_RATE_BASIS_POINTS = 18 * BASIS_POINTS_PER_PERCENT


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero
    (amounts here are never negative)."""
    if denominator <= 0 or numerator < 0:
        raise ValueError("round_half_up expects a non-negative numerator and a positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def rate_from_percent(percent: float) -> int:
    """A configured percentage (`GST_RATE_PERCENT=18`) as basis points."""
    basis_points = round(percent * BASIS_POINTS_PER_PERCENT)
    if not 0 <= basis_points <= 100 * BASIS_POINTS_PER_PERCENT:
        raise InvalidInput("the GST rate must be between 0 and 100 percent", field="gst_rate_percent")
    return basis_points


def venue_charge(hourly_rate_paise: int, minutes: int) -> int:
    return round_half_up(hourly_rate_paise * minutes, 60)


class GstSplit(msgspec.Struct, frozen=True, gc=False):
    rate_basis_points: int
    cgst_paise: int
    sgst_paise: int

    @property
    def total_paise(self) -> int:
        return self.cgst_paise + self.sgst_paise


def gst_on(subtotal_paise: int, rate_basis_points: int) -> GstSplit:
    # Each half at rate/2: subtotal x bp / (2 x 10,000).
    half = round_half_up(subtotal_paise * rate_basis_points, 2 * 100 * BASIS_POINTS_PER_PERCENT)
    return GstSplit(rate_basis_points=rate_basis_points, cgst_paise=half, sgst_paise=half)
