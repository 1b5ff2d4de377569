"""Catalog reads: SKUs, bill rates, standard cost rates and the list rate.

Rate lookups raise `ValidationFailed` (HTTP 422) naming what is missing, so an estimate that needs a
rate nobody configured is refused with a fixable message rather than priced at zero.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from psdesk.catalog import pricing
from psdesk.catalog.models import BillRate, ListRate, PricingPolicy, Sku, StandardCostRate
from psdesk.catalog.querysets import SkuQuerySet
from psdesk.core.errors import NotFound, ValidationFailed


def pricing_policy_get() -> PricingPolicy:
    """The pricing policy row (created with its defaults when absent)."""
    policy, _ = PricingPolicy.objects.get_or_create(id=1)
    return policy


def bill_rate_get(*, role: str, currency: str = "USD") -> Decimal:
    """Hourly bill rate of `role` in `currency` from the rate card."""
    rate = BillRate.objects.filter(role=role, currency=currency).values_list("rate", flat=True).first()
    if rate is None:
        raise ValidationFailed(
            f"No bill rate for role {role} in {currency} on the rate card.",
            details={"role": role, "currency": currency},
        )
    return Decimal(rate)


@dataclass(frozen=True)
class CostRateInfo:
    role: str
    year: int
    quarter: int
    rate: Decimal
    billable_hours: int
    currency: str


def cost_rate_info_get(*, role: str, on: datetime.date) -> CostRateInfo:
    """The standard cost rate of `role` in force on `on`: the row of that quarter, or else the
    latest earlier quarter's row (rates apply until replaced)."""
    year, quarter = pricing.quarter_of(on)
    row = (
        StandardCostRate.objects.filter(role=role)
        .filter(Q(year__lt=year) | Q(year=year, quarter__lte=quarter))
        .order_by("-year", "-quarter")
        .first()
    )
    if row is None:
        label = pricing.quarter_label(year, quarter)
        raise ValidationFailed(
            f"No standard cost rate for role {role} in {label} (or an earlier quarter).",
            details={"role": role, "quarter": label},
        )
    hours = row.billable_hours or pricing_policy_get().billable_hours_per_year
    rate = pricing.cost_rate(annual_ote=row.annual_ote, benefits=row.benefits, billable_hours=hours)
    return CostRateInfo(role, row.year, row.quarter, rate, hours, row.currency)


def cost_rate_get(*, role: str, on: datetime.date) -> Decimal:
    """Hourly standard cost rate of `role` on `on` (see `cost_rate_info_get`)."""
    return cost_rate_info_get(role=role, on=on).rate


def bill_rates_get(*, roles: Iterable[str], currency: str = "USD") -> dict[str, Decimal]:
    """`bill_rate_get` for several roles in one query: role → rate for the roles on the rate card
    (a role missing from the result is missing from the card; `bill_rate_get` names it)."""
    rows = BillRate.objects.filter(role__in=set(roles), currency=currency).values_list("role", "rate")
    return {role: Decimal(rate) for role, rate in rows}


def cost_rates_get(*, roles: Iterable[str], on: datetime.date) -> dict[str, Decimal]:
    """`cost_rate_get` for several roles in one query (and the pricing policy at most once): role →
    hourly cost rate on `on` for the roles that have one (`cost_rate_get` names a missing one)."""
    year, quarter = pricing.quarter_of(on)
    rows = (
        StandardCostRate.objects.filter(role__in=set(roles))
        .filter(Q(year__lt=year) | Q(year=year, quarter__lte=quarter))
        .order_by("role", "-year", "-quarter")
    )
    rates: dict[str, Decimal] = {}
    default_hours: int | None = None
    for row in rows:
        if row.role in rates:
            continue  # an earlier quarter of a role already priced from its latest row
        hours = row.billable_hours
        if not hours:
            default_hours = default_hours or pricing_policy_get().billable_hours_per_year
            hours = default_hours
        rates[row.role] = pricing.cost_rate(annual_ote=row.annual_ote, benefits=row.benefits, billable_hours=hours)
    return rates


def list_rate_get(currency: str = "USD") -> Decimal:
    """The policy hourly list rate for fixed-fee custom work (default USD 330)."""
    rate = ListRate.objects.filter(currency=currency).values_list("rate", flat=True).first()
    if rate is None:
        raise ValidationFailed(f"No list rate configured for {currency}.", details={"currency": currency})
    return Decimal(rate)


def sku_list(
    *, category: str = "", type: str = "", maturity: str = "", q: str = "", active: bool | None = None
) -> SkuQuerySet:
    qs: SkuQuerySet = Sku.objects.all()
    if category:
        qs = qs.filter(category=category)
    if type:
        qs = qs.filter(type=type)
    if maturity:
        qs = qs.filter(maturity=maturity)
    if active is not None:
        qs = qs.filter(active=active)
    return qs.search(q)


def sku_get(*, code: str) -> Sku:
    sku = Sku.objects.filter(code=code).first()
    if sku is None:
        raise NotFound(f"SKU {code} not found")
    return sku
