"""Pure quote maths (no Django): line amounts, discounts, totals and seat add-ons.

Rounding (ROUND_HALF_UP to cents) happens per line, in three steps, and totals are sums of the
rounded line figures — so the printed total always equals the sum of the printed lines:

    gross      = round(quantity x unit_price)
    after_line = round(gross x (100 - line_discount %) / 100)
    net        = round(after_line x (100 - quote_discount %) / 100)     (the quote-level discount is
                                                                          spread over every line)
    subtotal = Σ gross;  line_discounts = Σ (gross - after_line);  quote_discount = Σ (after_line - net)
    total    = Σ net = subtotal - line_discounts - quote_discount

Discounts are percentages from 0 to 100 with at most 2 decimals. Money is Decimal; floats are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
ZERO = Decimal("0.00")


class QuotePricingError(ValueError):
    """An input breaks a pricing rule; the message is shown to the user."""


def _round(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def decimal_parse(value: object, *, field: str, places: int = 2) -> Decimal:
    """A Decimal from str/int/Decimal with at most `places` decimals; never from float."""
    if isinstance(value, (float, bool)):
        raise QuotePricingError(f"{field}: send a decimal string like '12.50', not a float")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise QuotePricingError(f"{field}: '{value}' is not a number") from None
    if not d.is_finite():
        raise QuotePricingError(f"{field}: '{value}' is not a finite number")
    exponent = d.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise QuotePricingError(f"{field}: at most {places} decimal places (got {value})")
    return d


def discount_parse(value: object, *, field: str = "discount") -> Decimal:
    """A discount percentage 0-100 with at most 2 decimals."""
    d = decimal_parse(value, field=field, places=2)
    if d < 0 or d > HUNDRED:
        raise QuotePricingError(f"{field}: must be between 0 and 100 % (got {value})")
    return d


def price_parse(value: object, *, field: str = "unit_price") -> Decimal:
    d = decimal_parse(value, field=field, places=2)
    if d < 0:
        raise QuotePricingError(f"{field}: must not be negative (got {value})")
    if d >= Decimal("1e11"):
        raise QuotePricingError(f"{field}: too large (got {value})")
    return d


def quantity_parse(value: object, *, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise QuotePricingError(f"{field}: must be a whole number")
    try:
        n = int(value)
    except ValueError:
        raise QuotePricingError(f"{field}: '{value}' is not a whole number") from None
    if n < 1:
        raise QuotePricingError(f"{field}: must be at least 1 (got {value})")
    if n > 100_000:
        raise QuotePricingError(f"{field}: at most 100000 (got {value})")
    return n


@dataclass(frozen=True)
class LineInput:
    quantity: int
    unit_price: Decimal
    discount_pct: Decimal = ZERO


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    after_line_discount: Decimal
    net: Decimal

    @property
    def line_discount(self) -> Decimal:
        return self.gross - self.after_line_discount

    @property
    def quote_discount(self) -> Decimal:
        return self.after_line_discount - self.net


@dataclass(frozen=True)
class QuoteTotals:
    lines: tuple[LineAmounts, ...]
    subtotal: Decimal
    line_discounts: Decimal
    quote_discount: Decimal
    total: Decimal


def line_amounts(line: LineInput, quote_discount_pct: Decimal = ZERO) -> LineAmounts:
    for v in (line.unit_price, line.discount_pct, quote_discount_pct):
        if not isinstance(v, Decimal):
            raise QuotePricingError("amounts must be Decimal")
    gross = _round(line.unit_price * line.quantity)
    after = _round(gross * (HUNDRED - line.discount_pct) / HUNDRED)
    net = _round(after * (HUNDRED - quote_discount_pct) / HUNDRED)
    return LineAmounts(gross, after, net)


def quote_totals(lines: Sequence[LineInput], quote_discount_pct: Decimal = ZERO) -> QuoteTotals:
    amounts = tuple(line_amounts(li, quote_discount_pct) for li in lines)
    subtotal = sum((a.gross for a in amounts), ZERO)
    line_discounts = sum((a.line_discount for a in amounts), ZERO)
    quote_discount = sum((a.quote_discount for a in amounts), ZERO)
    total = sum((a.net for a in amounts), ZERO)
    return QuoteTotals(amounts, subtotal, line_discounts, quote_discount, total)


def seat_addons_needed(*, attendees: int, class_size: int | None, addons_per_extra_attendee: int = 1) -> int:
    """Seat add-ons for one session: every attendee beyond the class size needs
    `addons_per_extra_attendee` add-ons (1 for standard courses, 4 for DevOps Fundamentals).

    >>> seat_addons_needed(attendees=13, class_size=12)
    1
    """
    if attendees < 0:
        raise QuotePricingError("attendees must not be negative")
    if not class_size or attendees <= class_size:
        return 0
    return (attendees - class_size) * addons_per_extra_attendee
