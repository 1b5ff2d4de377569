"""Where an estimate gets its rates: the catalog's rate card and standard cost rates.

Looked up once per role per pricing run (a 500-line estimate asks the catalog at most a few times).
The catalog raises ValidationFailed naming the role (and the quarter for cost rates) when a rate is
missing; anything else it raises is turned into the same kind of error here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from psdesk.catalog import selectors
from psdesk.core.errors import DomainError, ValidationFailed


def _quarter(on: date) -> str:
    return f"{on.year}-Q{(on.month - 1) // 3 + 1}"


def list_rate_get(currency: str = "USD") -> Decimal:
    return Decimal(selectors.list_rate_get(currency=currency))


def bill_rate_get(*, role: str, currency: str = "USD") -> Decimal:
    try:
        return Decimal(selectors.bill_rate_get(role=role, currency=currency))
    except DomainError:
        raise
    except Exception as exc:  # the catalog's own lookup failure: name the role, not the ORM
        raise ValidationFailed(
            f"No bill rate for role '{role}' in {currency}.", details={"role": role, "currency": currency}
        ) from exc


def cost_rate_get(*, role: str, on: date) -> Decimal:
    try:
        return Decimal(selectors.cost_rate_get(role=role, on=on))
    except DomainError:
        raise
    except Exception as exc:
        raise ValidationFailed(
            f"No standard cost rate for role '{role}' in {_quarter(on)}.",
            details={"role": role, "quarter": _quarter(on)},
        ) from exc


@dataclass
class RateBook:
    """Rates for one pricing run, memoised per role."""

    fixed_fee: bool
    on: date
    currency: str = "USD"
    _bill: dict[str, Decimal] = field(default_factory=dict)
    _cost: dict[str, Decimal] = field(default_factory=dict)
    _list: Decimal | None = None

    def rate(self, role: str) -> Decimal:
        if self.fixed_fee:
            if self._list is None:
                self._list = list_rate_get(self.currency)
            return self._list
        if role not in self._bill:
            self._bill[role] = bill_rate_get(role=role, currency=self.currency)
        return self._bill[role]

    def cost_rate(self, role: str) -> Decimal:
        if role not in self._cost:
            self._cost[role] = cost_rate_get(role=role, on=self.on)
        return self._cost[role]
