"""Where an estimate gets its rates: the catalog's rate card and standard cost rates.

Read for every role of a pricing run at once (`RateBook.preload`: the list or bill rates in one
query, the cost rates in another), then memoised per role.
The catalog raises ValidationFailed naming the role (and the quarter for cost rates) when a rate is
missing; anything else it raises is turned into the same kind of error here.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def bill_rates_get(*, roles: Iterable[str], currency: str = "USD") -> dict[str, Decimal]:
    """Role → bill rate for the roles on the rate card, in one query (missing roles left out)."""
    return selectors.bill_rates_get(roles=roles, currency=currency)


def cost_rates_get(*, roles: Iterable[str], on: date) -> dict[str, Decimal]:
    """Role → standard cost rate on `on` for the roles that have one, in one query."""
    return selectors.cost_rates_get(roles=roles, on=on)


@dataclass
class RateBook:
    """Rates for one pricing run, memoised per role."""

    fixed_fee: bool
    on: date
    currency: str = "USD"
    _bill: dict[str, Decimal] = field(default_factory=dict)
    _cost: dict[str, Decimal] = field(default_factory=dict)
    _list: Decimal | None = None

    def preload(self, roles: Iterable[str]) -> None:
        """Read the rates of every role at once (two queries however many roles); a role the catalog
        lacks is left to the one-role lookup, which raises its usual error naming it."""
        wanted = set(roles)
        if not wanted:
            return
        if self.fixed_fee:
            if self._list is None:
                self._list = list_rate_get(self.currency)
        elif wanted - set(self._bill):
            self._bill.update(bill_rates_get(roles=wanted - set(self._bill), currency=self.currency))
        if wanted - set(self._cost):
            self._cost.update(cost_rates_get(roles=wanted - set(self._cost), on=self.on))

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
