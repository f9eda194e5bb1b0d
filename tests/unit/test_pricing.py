"""Money rules: half-up rounding in integer paise, the venue charge and the GST split."""

from __future__ import annotations

import pytest

from lebrq.domain.model.errors import InvalidInput
from lebrq.domain.model.pricing import gst_on, rate_from_percent, round_half_up, venue_charge


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(0, 7, 0), (10, 4, 3), (9, 4, 2), (11, 4, 3), (1, 2, 1), (1, 3, 0), (2, 3, 1), (150_001_5, 10, 150_002)],
)
def test_round_half_up(numerator: int, denominator: int, expected: int) -> None:
    assert round_half_up(numerator, denominator) == expected


def test_venue_charge_is_rate_times_minutes_over_sixty_rounded_half_up() -> None:
    assert venue_charge(100_000, 120) == 200_000
    assert venue_charge(100_000, 30) == 50_000
    # 1,000.01 rupees an hour for 90 minutes = 150,001.5 paise -> 150,002.
    assert venue_charge(100_001, 90) == 150_002
    assert venue_charge(100_001, 30) == 50_001  # 50,000.5 -> 50,001


def test_gst_halves_are_rounded_each_and_add_up_to_the_tax() -> None:
    gst = gst_on(157_502, 1800)
    # Each half: 157,502 x 9 % = 14,175.18 paise -> 14,175.
    assert (gst.cgst_paise, gst.sgst_paise, gst.total_paise) == (14_175, 14_175, 28_350)


def test_a_half_paisa_of_each_half_rounds_up() -> None:
    # 50 paise x 9 % = 4.5 paise per half -> 5 each, 10 in all (not round(9) = 9).
    gst = gst_on(50, 1800)
    assert (gst.cgst_paise, gst.total_paise) == (5, 10)


@pytest.mark.parametrize(("subtotal", "rate_bp"), [(1, 1800), (99_999, 500), (123_457, 1200), (10**12, 2800), (7, 25)])
def test_tax_is_always_even_and_within_half_a_paisa_per_half(subtotal: int, rate_bp: int) -> None:
    gst = gst_on(subtotal, rate_bp)
    exact_half = subtotal * rate_bp / 20_000
    assert gst.total_paise % 2 == 0
    assert abs(gst.cgst_paise - exact_half) <= 0.5


def test_zero_rate_charges_no_tax() -> None:
    assert gst_on(1_000_000, 0).total_paise == 0


def test_rate_from_percent_is_exact_in_basis_points() -> None:
    assert rate_from_percent(18) == 1800
    assert rate_from_percent(0.25) == 25
    with pytest.raises(InvalidInput):
        rate_from_percent(101)
