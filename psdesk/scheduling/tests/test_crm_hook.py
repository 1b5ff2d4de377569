"""Demand from the agreed estimate and the intake, and the CRM after-stage hook."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from psdesk.audit.transitions import Applied
from psdesk.core.errors import ValidationFailed
from psdesk.core.workflow import MoveContext
from psdesk.crm import services as crm_services
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.workflow import CRM_WORKFLOW
from psdesk.engagements.models import SchedulingIntake
from psdesk.estimates.testing import estimate_seed_agreed
from psdesk.scheduling import services
from psdesk.scheduling.models import QueueEntry

pytestmark = pytest.mark.django_db


def _stage(opp: Any, target: str, actor: Any) -> None:
    """Run the hook as the CRM transition service would after moving `opp` to `target`."""
    opp.stage = target
    opp.save(update_fields=["stage"])
    move = next(iter(CRM_WORKFLOW.moves.values()))
    services.queue_after_stage_move(Applied(opp, move, "", target), MoveContext(actor=actor))


@pytest.fixture
def eng_with_estimate(people: Any, bench_team: Any, won_opportunity: Any, make_engagement: Any) -> Any:
    opp = won_opportunity("Initech", stage=OpportunityStage.PROPOSAL)
    eng = make_engagement(opp.account, opportunity=opp)
    estimate_seed_agreed(eng, price=Decimal("33000.00"))
    SchedulingIntake.objects.create(
        engagement=eng, skills_needed=["geo", "unknown-skill"], start_window_from=date(2027, 1, 4)
    )
    eng.refresh_from_db()
    return eng


def test_the_hook_is_registered_with_the_crm() -> None:
    assert services.queue_after_stage_move in crm_services.AFTER_STAGE_HOOKS


def test_role_hours_come_from_the_agreed_estimate_when_not_given(people: Any, eng_with_estimate: Any) -> None:
    e = services.queue_enter(
        role_hours=None, engagement=eng_with_estimate, closed_won_at=eng_with_estimate.created_at, actor=people.paula
    )
    line = e.lines.get()
    assert (line.role, line.hours) == ("PSE", Decimal("100.00"))
    assert line.skills == {"geo": 2}  # the unknown intake skill is dropped; level from policy
    assert e.desired_start == date(2027, 1, 4)


def test_without_an_agreed_estimate_the_forecast_asks_for_role_hours(
    people: Any, bench_team: Any, make_engagement: Any
) -> None:
    eng = make_engagement()
    with pytest.raises(ValidationFailed, match="no customer-agreed estimate"):
        services.queue_enter(role_hours=None, engagement=eng, closed_won_at=eng.created_at, actor=people.paula)
    assert QueueEntry.objects.count() == 0


def test_stage_5_adds_tentative_demand_closed_won_promotes_it(
    people: Any, eng_with_estimate: Any, frozen_clock: Any
) -> None:
    opp = eng_with_estimate.opportunity
    _stage(opp, OpportunityStage.NEGOTIATING, people.alice)
    e = QueueEntry.objects.get(opportunity=opp)
    assert (e.kind, e.closed_won_at) == ("tentative", None)
    _stage(opp, OpportunityStage.CLOSED_WON, people.alice)
    e.refresh_from_db()
    assert (e.kind, e.closed_won_at) == ("committed", frozen_clock())
    assert QueueEntry.objects.count() == 1


def test_closed_won_without_tentative_entry_queues_the_project(
    people: Any, eng_with_estimate: Any, frozen_clock: Any
) -> None:
    _stage(eng_with_estimate.opportunity, OpportunityStage.CLOSED_WON, people.alice)
    e = QueueEntry.objects.get()
    assert (e.kind, e.closed_won_at, e.engagement_id) == ("committed", frozen_clock(), eng_with_estimate.pk)


def test_closed_lost_removes_tentative_demand(people: Any, eng_with_estimate: Any) -> None:
    opp = eng_with_estimate.opportunity
    _stage(opp, OpportunityStage.NEGOTIATING, people.alice)
    _stage(opp, OpportunityStage.CLOSED_LOST, people.alice)
    assert QueueEntry.objects.get().status == "removed"


def test_an_opportunity_without_estimate_is_listed_as_needing_role_hours(people: Any, won_opportunity: Any) -> None:
    opp = won_opportunity("Hooli", stage=OpportunityStage.AWAITING_SIGNATURE)
    _stage(opp, OpportunityStage.AWAITING_SIGNATURE, people.alice)
    assert QueueEntry.objects.count() == 0
    assert services.pipeline_demand_reconcile()["needs_role_hours"] == [opp.pk]
