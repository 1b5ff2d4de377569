"""Pure pricing maths for the catalog: standard cost rates. No Django imports, Decimal only.

Standard cost rate (docs/process.md, Catalog and quotes):

    cost_rate = (average annual on-target earnings + benefits) / billable hours per year

Rounding: the hourly rate is quantized to cents with ROUND_HALF_UP (commercial rounding), once, at
the end — the inputs are never rounded first. Billable hours default to the policy value 1,880.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
DEFAULT_BILLABLE_HOURS = 1880


class PricingError(ValueError):
    """An input breaks a pricing rule (negative amount, zero hours, float)."""


def _dec(value: object, field: str) -> Decimal:
    if isinstance(value, (float, bool)):
        raise PricingError(f"{field}: use Decimal or int, never float")
    if not isinstance(value, (Decimal, int)):
        raise PricingError(f"{field}: not a number")
    d = Decimal(value)
    if not d.is_finite():
        raise PricingError(f"{field}: not a finite number")
    return d


def cost_rate(*, annual_ote: Decimal, benefits: Decimal, billable_hours: int = DEFAULT_BILLABLE_HOURS) -> Decimal:
    """Hourly standard cost rate, rounded half-up to cents.

    >>> cost_rate(annual_ote=Decimal("180000"), benefits=Decimal("36000"))
    Decimal('114.89')
    """
    ote = _dec(annual_ote, "annual_ote")
    ben = _dec(benefits, "benefits")
    hours = _dec(billable_hours, "billable_hours")
    if ote < 0 or ben < 0:
        raise PricingError("on-target earnings and benefits must not be negative")
    if hours <= 0:
        raise PricingError("billable hours must be positive")
    return ((ote + ben) / hours).quantize(CENT, rounding=ROUND_HALF_UP)


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter 1-4) of a calendar date."""
    return day.year, (day.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"
