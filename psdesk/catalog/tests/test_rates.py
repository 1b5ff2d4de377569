from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psdesk.catalog import pricing
from psdesk.catalog.models import BillRate, PricingPolicy, StandardCostRate
from psdesk.catalog.selectors import bill_rate_get, cost_rate_get, list_rate_get
from psdesk.core.errors import ValidationFailed


def test_cost_rate_is_ote_plus_benefits_over_1880_hours_rounded_half_up() -> None:
    assert pricing.cost_rate(annual_ote=Decimal("180000"), benefits=Decimal("36000")) == Decimal("114.89")
    # 1880 * 100.005 = 188009.40 → 100.005 rounds up to 100.01
    assert pricing.cost_rate(annual_ote=Decimal("188009.40"), benefits=Decimal("0")) == Decimal("100.01")


def test_cost_rate_refuses_floats_and_zero_hours() -> None:
    with pytest.raises(pricing.PricingError, match="never float"):
        pricing.cost_rate(annual_ote=180000.0, benefits=Decimal("0"))  # type: ignore[arg-type]
    with pytest.raises(pricing.PricingError, match="positive"):
        pricing.cost_rate(annual_ote=Decimal("1"), benefits=Decimal("0"), billable_hours=0)


@given(
    ote=st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False),
    benefits=st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
    hours=st.integers(min_value=1, max_value=4000),
)
def test_cost_rate_is_within_half_a_cent_of_the_exact_quotient(ote: Decimal, benefits: Decimal, hours: int) -> None:
    rate = pricing.cost_rate(annual_ote=ote, benefits=benefits, billable_hours=hours)
    assert isinstance(rate, Decimal) and rate.as_tuple().exponent == -2
    assert abs(rate - (ote + benefits) / hours) <= Decimal("0.005")


def test_quarter_of_a_date() -> None:
    assert pricing.quarter_of(date(2026, 11, 27)) == (2026, 4)
    assert pricing.quarter_of(date(2026, 1, 1)) == (2026, 1)


@pytest.mark.django_db
def test_seeded_rates_cover_every_delivery_role() -> None:
    for role in ("PSE", "PM", "TA", "Trainer", "EM"):
        assert bill_rate_get(role=role) > 0
        assert cost_rate_get(role=role, on=date(2026, 11, 27)) > 0
    assert list_rate_get() == Decimal("330.00")
    assert cost_rate_get(role="PSE", on=date(2026, 11, 27)) == Decimal("105.32")  # (165000+33000)/1880


@pytest.mark.django_db
def test_a_later_quarter_replaces_the_rate_from_its_first_day() -> None:
    StandardCostRate.objects.create(
        role="PSE", year=2026, quarter=4, annual_ote=Decimal("188000"), benefits=Decimal("0")
    )
    assert cost_rate_get(role="PSE", on=date(2026, 9, 30)) == Decimal("105.32")
    assert cost_rate_get(role="PSE", on=date(2026, 10, 1)) == Decimal("100.00")


@pytest.mark.django_db
def test_billable_hours_come_from_the_policy() -> None:
    PricingPolicy.objects.filter(id=1).update(billable_hours_per_year=1696)
    assert cost_rate_get(role="PSE", on=date(2026, 11, 27)) == Decimal("116.75")  # 198000/1696


@pytest.mark.django_db
def test_missing_rates_name_the_role_and_quarter() -> None:
    with pytest.raises(ValidationFailed, match="No standard cost rate for role PSE in 2024-Q3"):
        cost_rate_get(role="PSE", on=date(2024, 8, 1))
    with pytest.raises(ValidationFailed, match="No bill rate for role Architect in USD"):
        bill_rate_get(role="Architect")
    BillRate.objects.filter(role="PM").delete()
    with pytest.raises(ValidationFailed, match="role PM"):
        bill_rate_get(role="PM")
    with pytest.raises(ValidationFailed, match="No list rate configured for EUR"):
        list_rate_get("EUR")
