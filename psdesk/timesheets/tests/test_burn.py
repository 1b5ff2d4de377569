from __future__ import annotations

from decimal import Decimal as D

from psdesk.timesheets.burn import burn_compute, thresholds_crossed


def test_forecast_at_completion_prices_remaining_hours_at_the_blended_actual_rate() -> None:
    b = burn_compute(
        budget_hours=D("100"),
        budget_fee=D("33000"),
        actual_hours=D("40"),
        approved_hours=D("32"),
        actual_cost=D("4000"),
        etc_hours=D("80"),
        planned_cost_rate=D("90"),
    )
    assert b.eac_hours == D("120")
    assert b.eac_cost == D("12000.00")  # 4000 + 80 h x 100/h
    assert b.percent_complete == D("0.3333")
    assert b.earned_value == D("11000.00")
    assert b.margin_at_completion == D("0.6364")
    assert b.burn_ratio == D("0.4000")
    assert b.over_budget


def test_without_an_estimate_to_complete_the_unused_budget_is_the_remaining_work() -> None:
    b = burn_compute(
        budget_hours=D("100"),
        budget_fee=D("0"),
        actual_hours=D("0"),
        approved_hours=D("0"),
        actual_cost=D("0"),
        etc_hours=None,
        planned_cost_rate=D("90"),
    )
    assert (b.etc_hours, b.etc_entered, b.eac_cost, b.margin_at_completion) == (D("100"), False, D("9000.00"), None)


def test_each_threshold_is_crossed_once() -> None:
    t = [D("0.8"), D("1.0")]
    assert thresholds_crossed(ratio=D("0.85"), thresholds=t, already=set()) == [D("0.8")]
    assert thresholds_crossed(ratio=D("1.2"), thresholds=t, already={D("0.8")}) == [D("1.0")]
    assert thresholds_crossed(ratio=D("1.2"), thresholds=t, already={D("0.8"), D("1.0")}) == []
