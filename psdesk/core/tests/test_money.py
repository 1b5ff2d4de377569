from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psdesk.core.money import Money, MoneyError, money_sum, quantize, to_decimal


def test_money_refuses_floats_and_mixed_currencies() -> None:
    with pytest.raises(MoneyError):
        to_decimal(1.5)
    with pytest.raises(MoneyError):
        Money.of("1.00", "USD") + Money.of("1.00", "EUR")
    with pytest.raises(MoneyError):
        Money.of("2.00") * 1.5  # type: ignore[operator]


def test_to_decimal_refuses_more_places_than_allowed() -> None:
    assert to_decimal("12.50", places=2) == Decimal("12.50")
    with pytest.raises(MoneyError, match="at most 2 decimal places"):
        to_decimal("12.505", places=2)
    with pytest.raises(MoneyError, match="not a number"):
        to_decimal("twelve")
    with pytest.raises(MoneyError, match="finite"):
        to_decimal("NaN")


def test_rounding_is_half_up_to_cents() -> None:
    assert quantize(Decimal("0.005")) == Decimal("0.01")
    assert quantize(Decimal("2.344999")) == Decimal("2.34")
    assert str(Money.of("1234.5")) == "USD 1,234.50"


@given(st.lists(st.decimals(min_value=-(10**6), max_value=10**6, places=2, allow_nan=False), max_size=30))
def test_sum_of_money_equals_sum_of_amounts(amounts: list[Decimal]) -> None:
    total = money_sum([Money(a) for a in amounts])
    assert total.amount == sum(amounts, Decimal("0.00"))
    assert total.currency == "USD"
