"""Estimate pricing maths: pure, Decimal only, no Django.

Rounding (documented, and what the XLSX formulas reproduce):
- hours carry at most 2 decimals and must be > 0; rates carry at most 2 decimals and must be >= 0;
- a line's price = ROUND_HALF_UP(hours x rate, cents); a line's cost = ROUND_HALF_UP(hours x cost rate, cents);
- totals (grand, by role, by activity) are sums of the rounded lines, so they add up exactly;
- margin = (price - cost) / price, rounded ROUND_HALF_UP to 4 decimals (0.4012 = 40.12 %); None when the
  price is zero. Hence |(price - cost) - margin x price| ≤ price x 0.00005.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
MARGIN_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")
MAX_HOURS = Decimal("100000")


class PricingError(ValueError):
    """An input the maths refuses (non-positive hours, more than 2 decimals ...)."""

    def __init__(self, message: str, *, field: str = "", index: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.index = index


def _places(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def check_hours(hours: Decimal, *, index: int | None = None) -> Decimal:
    if not isinstance(hours, Decimal) or not hours.is_finite():
        raise PricingError("hours must be a decimal number", field="hours", index=index)
    if hours <= 0:
        raise PricingError(f"hours must be greater than zero (got {hours})", field="hours", index=index)
    if hours > MAX_HOURS:
        raise PricingError(f"hours must be at most {MAX_HOURS} (got {hours})", field="hours", index=index)
    if _places(hours) > 2:
        raise PricingError(f"hours carry at most 2 decimals (got {hours})", field="hours", index=index)
    return hours


def check_money(amount: Decimal, *, field: str, index: int | None = None) -> Decimal:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise PricingError(f"{field} must be a decimal number", field=field, index=index)
    if amount < 0:
        raise PricingError(f"{field} must not be negative (got {amount})", field=field, index=index)
    if _places(amount) > 2:
        raise PricingError(f"{field}: at most 2 decimals of money (got {amount})", field=field, index=index)
    return amount


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def margin_of(price: Decimal, cost: Decimal) -> Decimal | None:
    """(price - cost) / price to 4 decimals; None for a zero price (no margin to speak of)."""
    if price == 0:
        return None
    return ((price - cost) / price).quantize(MARGIN_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class LineInput:
    activity: str
    role: str
    hours: Decimal
    rate: Decimal
    cost_rate: Decimal


@dataclass(frozen=True, slots=True)
class PricedLine:
    activity: str
    role: str
    hours: Decimal
    rate: Decimal
    cost_rate: Decimal
    price: Decimal
    cost: Decimal


@dataclass(slots=True)
class Subtotal:
    hours: Decimal = ZERO
    price: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def margin(self) -> Decimal | None:
        return margin_of(self.price, self.cost)


@dataclass(slots=True)
class Totals:
    lines: list[PricedLine] = field(default_factory=list)
    hours: Decimal = ZERO
    price: Decimal = ZERO
    cost: Decimal = ZERO
    by_role: dict[str, Subtotal] = field(default_factory=dict)
    by_activity: dict[str, Subtotal] = field(default_factory=dict)

    @property
    def margin(self) -> Decimal | None:
        return margin_of(self.price, self.cost)


def price_line(line: LineInput, *, index: int | None = None) -> PricedLine:
    hours = check_hours(line.hours, index=index)
    rate = check_money(line.rate, field="rate", index=index)
    cost_rate = check_money(line.cost_rate, field="cost_rate", index=index)
    return PricedLine(
        activity=line.activity,
        role=line.role,
        hours=hours,
        rate=rate,
        cost_rate=cost_rate,
        price=cents(hours * rate),
        cost=cents(hours * cost_rate),
    )


def price_lines(lines: Iterable[LineInput]) -> Totals:
    """Price every line and total them (grand, by role, by activity) per the rounding rules above."""
    totals = Totals()
    for i, line in enumerate(lines):
        pl = price_line(line, index=i)
        totals.lines.append(pl)
        totals.hours += pl.hours
        totals.price += pl.price
        totals.cost += pl.cost
        for key, bucket in ((pl.role, totals.by_role), (pl.activity, totals.by_activity)):
            sub = bucket.get(key)
            if sub is None:
                sub = bucket[key] = Subtotal()
            sub.hours += pl.hours
            sub.price += pl.price
            sub.cost += pl.cost
    return totals


def exceeds_threshold(total: Decimal, threshold: Decimal) -> bool:
    """The TA review rule: strictly greater (a total equal to the threshold needs no review)."""
    return total > threshold


def below_target(margin: Decimal | None, target: Decimal) -> bool:
    """The margin flag: a margin below target (a zero-price estimate has no margin and is not flagged)."""
    return margin is not None and margin < target


def sum_prices(lines: Sequence[PricedLine]) -> Decimal:
    return sum((pl.price for pl in lines), ZERO)
