"""Budget burn and forecast at completion, as pure arithmetic (no Django).

Earned value uses percent complete = actual hours / (actual hours + estimate to complete), the
estimate to complete being the project manager's figure or, before one is entered, the budget hours
not yet used. Forecast cost at completion prices the remaining hours at the blended cost rate of the
hours so far (or of the budget's roles before any hours are logged)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")


def _money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def hours_q(x: Decimal) -> Decimal:
    """Hours to two decimals (database sums come back unscaled on some backends)."""
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Burn:
    budget_hours: Decimal
    budget_fee: Decimal
    actual_hours: Decimal
    approved_hours: Decimal
    actual_cost: Decimal
    etc_hours: Decimal
    etc_entered: bool
    percent_complete: Decimal
    earned_value: Decimal
    eac_hours: Decimal
    eac_cost: Decimal
    margin_at_completion: Decimal | None
    burn_ratio: Decimal

    @property
    def over_budget(self) -> bool:
        return self.eac_hours > self.budget_hours


def burn_compute(
    *,
    budget_hours: Decimal,
    budget_fee: Decimal,
    actual_hours: Decimal,
    approved_hours: Decimal,
    actual_cost: Decimal,
    etc_hours: Decimal | None,
    planned_cost_rate: Decimal,
) -> Burn:
    """The burn figures of one project (or milestone). `planned_cost_rate` is the budget's blended
    hourly cost, used for the remaining hours while nothing is logged."""
    budget_hours, actual_hours, approved_hours = hours_q(budget_hours), hours_q(actual_hours), hours_q(approved_hours)
    etc = etc_hours if etc_hours is not None else max(budget_hours - actual_hours, ZERO)
    total = actual_hours + etc
    pct = (actual_hours / total) if total > 0 else ZERO
    rate = (actual_cost / actual_hours) if actual_hours > 0 else planned_cost_rate
    eac_cost = _money(actual_cost + etc * rate)
    margin = ((budget_fee - eac_cost) / budget_fee).quantize(Decimal("0.0001")) if budget_fee > 0 else None
    ratio = (actual_hours / budget_hours).quantize(Decimal("0.0001")) if budget_hours > 0 else ZERO
    return Burn(
        budget_hours=budget_hours,
        budget_fee=_money(budget_fee),
        actual_hours=actual_hours,
        approved_hours=approved_hours,
        actual_cost=_money(actual_cost),
        etc_hours=hours_q(etc),
        etc_entered=etc_hours is not None,
        percent_complete=pct.quantize(Decimal("0.0001")),
        earned_value=_money(budget_fee * pct),
        eac_hours=hours_q(total),
        eac_cost=eac_cost,
        margin_at_completion=margin,
        burn_ratio=ratio,
    )


def thresholds_crossed(*, ratio: Decimal, thresholds: list[Decimal], already: set[Decimal]) -> list[Decimal]:
    """The thresholds `ratio` has reached that were not alerted yet, lowest first."""
    return [t for t in sorted(thresholds) if ratio >= t and t not in already]
