"""Quote maths: rounding, discounts and seat add-ons (pure functions, hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psdesk.quotes import pricing
from psdesk.quotes.pricing import LineInput, QuotePricingError, quote_totals

prices = st.decimals(min_value=0, max_value=Decimal("999999.99"), places=2, allow_nan=False, allow_infinity=False)
discounts = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)
lines = st.lists(
    st.builds(LineInput, quantity=st.integers(1, 500), unit_price=prices, discount_pct=discounts), max_size=30
)


@given(lines=lines, quote_discount=discounts)
def test_the_total_is_the_sum_of_the_rounded_lines(lines: list[LineInput], quote_discount: Decimal) -> None:
    t = quote_totals(lines, quote_discount)
    assert t.total == sum((a.net for a in t.lines), Decimal("0.00"))
    assert t.total == t.subtotal - t.line_discounts - t.quote_discount
    for a in t.lines:
        for v in (a.gross, a.after_line_discount, a.net):
            assert isinstance(v, Decimal) and v.as_tuple().exponent == -2
        assert Decimal("0") <= a.net <= a.after_line_discount <= a.gross


@given(lines=lines)
def test_no_discount_means_total_equals_subtotal(lines: list[LineInput]) -> None:
    plain = [LineInput(li.quantity, li.unit_price) for li in lines]
    t = quote_totals(plain)
    assert t.total == t.subtotal == sum((li.unit_price * li.quantity for li in plain), Decimal("0"))


def test_rounding_is_half_up_per_line() -> None:
    t = quote_totals([LineInput(1, Decimal("0.05"), Decimal("50"))] * 3)
    # 0.025 rounds up to 0.03 on each line; the total is the sum of rounded lines, 0.09
    assert [a.after_line_discount for a in t.lines] == [Decimal("0.03")] * 3
    assert t.total == Decimal("0.09")


def test_a_quote_of_two_courses_with_discounts() -> None:
    t = quote_totals(
        [LineInput(2, Decimal("5000.00"), Decimal("10")), LineInput(1, Decimal("2400.00"))], Decimal("5.5")
    )
    assert (t.subtotal, t.line_discounts, t.quote_discount, t.total) == (
        Decimal("12400.00"),
        Decimal("1000.00"),
        Decimal("627.00"),
        Decimal("10773.00"),
    )


@pytest.mark.parametrize(
    ("attendees", "class_size", "per", "expected"),
    [(13, 12, 1, 1), (12, 12, 1, 0), (0, 12, 1, 0), (20, 12, 1, 8), (13, 12, 4, 4), (30, None, 1, 0)],
)
def test_seat_addons_beyond_the_class_size(attendees: int, class_size: int | None, per: int, expected: int) -> None:
    assert (
        pricing.seat_addons_needed(attendees=attendees, class_size=class_size, addons_per_extra_attendee=per)
        == expected
    )


@pytest.mark.parametrize("bad", ["100.01", "-1", "10.555", "abc", 12.5, "NaN"])
def test_bad_discounts_are_refused(bad: object) -> None:
    with pytest.raises(QuotePricingError):
        pricing.discount_parse(bad)


def test_floats_are_refused_for_money() -> None:
    with pytest.raises(QuotePricingError, match="not a float"):
        pricing.price_parse(5000.0)
    with pytest.raises(QuotePricingError, match="negative"):
        pricing.price_parse("-1.00")
    with pytest.raises(QuotePricingError, match="at least 1"):
        pricing.quantity_parse(-2)
