"""pricing.py: the maths of price, cost, margin and totals (property-based)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psdesk.estimates.pricing import (
    LineInput,
    PricingError,
    below_target,
    exceeds_threshold,
    margin_of,
    price_lines,
)

hours = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000"), places=2)
roles = st.sampled_from(["PSE", "PM", "TA", "Trainer", "EM"])
activities = st.sampled_from(["Plan", "Install", "Migrate", "Train", "Close"])
line = st.builds(LineInput, activity=activities, role=roles, hours=hours, rate=rates, cost_rate=rates)


@settings(max_examples=200, deadline=None)
@given(st.lists(line, min_size=1, max_size=40))
def test_price_minus_cost_equals_margin_times_price_within_rounding(lines: list[LineInput]) -> None:
    t = price_lines(lines)
    if t.price == 0:
        assert t.margin is None
        return
    assert t.margin is not None
    assert abs((t.price - t.cost) - t.margin * t.price) <= t.price * Decimal("0.00005")


@settings(max_examples=200, deadline=None)
@given(st.lists(line, min_size=0, max_size=40))
def test_totals_equal_the_sum_of_the_lines_by_role_and_by_activity(lines: list[LineInput]) -> None:
    t = price_lines(lines)
    assert t.price == sum((pl.price for pl in t.lines), Decimal("0"))
    assert t.cost == sum((pl.cost for pl in t.lines), Decimal("0"))
    assert t.hours == sum((pl.hours for pl in t.lines), Decimal("0"))
    assert sum((s.price for s in t.by_role.values()), Decimal("0")) == t.price
    assert sum((s.cost for s in t.by_activity.values()), Decimal("0")) == t.cost
    assert sum((s.hours for s in t.by_activity.values()), Decimal("0")) == t.hours
    for pl in t.lines:
        assert pl.price == (pl.hours * pl.rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert pl.price.as_tuple().exponent == -2


def test_a_line_is_rounded_half_up_to_cents_and_margin_to_four_decimals() -> None:
    t = price_lines([LineInput("Plan", "PM", Decimal("0.05"), Decimal("0.10"), Decimal("0.01"))])
    assert t.lines[0].price == Decimal("0.01")  # 0.005 → 0.01 (half up)
    assert t.lines[0].cost == Decimal("0.00")  # 0.0005 → 0.00
    t = price_lines([LineInput("Plan", "PM", Decimal("10"), Decimal("330"), Decimal("114.89"))])
    assert (t.price, t.cost, t.margin) == (Decimal("3300.00"), Decimal("1148.90"), Decimal("0.6518"))


def test_margin_of_a_zero_price_is_none_and_never_flagged() -> None:
    assert margin_of(Decimal("0"), Decimal("10")) is None
    assert below_target(None, Decimal("0.4")) is False


def test_threshold_is_strictly_greater() -> None:
    assert exceeds_threshold(Decimal("50000.00"), Decimal("50000")) is False
    assert exceeds_threshold(Decimal("50000.01"), Decimal("50000")) is True


@pytest.mark.parametrize(
    ("hours", "rate", "message"),
    [
        ("0", "330", "greater than zero"),
        ("-4", "330", "greater than zero"),
        ("1.005", "330", "at most 2 decimals"),
        ("2", "330.001", "at most 2 decimals of money"),
        ("2", "-1", "must not be negative"),
    ],
)
def test_bad_numbers_are_refused_naming_the_line(hours: str, rate: str, message: str) -> None:
    ok = LineInput("Plan", "PM", Decimal("1"), Decimal("1"), Decimal("1"))
    bad = LineInput("Install", "PSE", Decimal(hours), Decimal(rate), Decimal("100"))
    with pytest.raises(PricingError, match=message) as exc:
        price_lines([ok, bad])
    assert exc.value.index == 1
