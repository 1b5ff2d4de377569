"""Money: Decimal with a currency. No floats anywhere.

Rounding: amounts are quantized to 2 decimals with ROUND_HALF_UP (commercial rounding), at the line
level; totals are sums of rounded lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
CURRENCIES = ("USD", "EUR", "GBP", "AUD", "CAD", "JPY")


class MoneyError(ValueError):
    pass


def to_decimal(value: object, *, places: int | None = None, field: str = "amount") -> Decimal:
    """Parse a Decimal from str/int/Decimal (never float); optionally refuse more than `places` decimals."""
    if isinstance(value, float):
        raise MoneyError(f"{field}: floats are not accepted for money; send a string like '12.50'")
    if isinstance(value, bool):
        raise MoneyError(f"{field}: not a number")
    try:
        d = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"{field}: '{value}' is not a number") from exc
    if not d.is_finite():
        raise MoneyError(f"{field}: '{value}' is not a finite number")
    if places is not None:
        exponent = d.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -places:
            raise MoneyError(f"{field}: at most {places} decimal places allowed (got {value})")
    return d


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "USD"

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise MoneyError("Money.amount must be a Decimal")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise MoneyError(f"'{self.currency}' is not an ISO 4217 currency code")

    @classmethod
    def of(cls, amount: object, currency: str = "USD") -> Money:
        return cls(to_decimal(amount), currency)

    @classmethod
    def zero(cls, currency: str = "USD") -> Money:
        return cls(Decimal("0.00"), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money can only be combined with Money")
        if other.currency != self.currency:
            raise MoneyError(f"currency mismatch: {self.currency} and {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise MoneyError("multiply Money by Decimal or int, never float")
        return Money(self.amount * factor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def rounded(self) -> Money:
        return Money(quantize(self.amount), self.currency)

    def __str__(self) -> str:
        return f"{self.currency} {quantize(self.amount):,.2f}"


def money_sum(items: list[Money] | tuple[Money, ...], currency: str = "USD") -> Money:
    total = Money.zero(currency)
    for m in items:
        total = total + m
    return total
