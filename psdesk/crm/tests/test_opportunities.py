from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.crm.choices import OPEN_STAGES, ForecastCategory, OpportunityStage, RecordType
from psdesk.crm.models import Msa, Opportunity
from psdesk.crm.selectors import opportunity_stage_history
from psdesk.crm.services import (
    msa_add,
    opportunity_create,
    opportunity_move_to_stage,
    opportunity_transition,
    opportunity_update,
)
from psdesk.crm.workflow import CRM_WORKFLOW, CUSTOM_ENGAGEMENT_REFUSAL

pytestmark = pytest.mark.django_db
St = OpportunityStage


def test_a_ps_only_opportunity_without_a_parent_is_refused_and_nothing_written(people: Any, make_account: Any) -> None:
    acc = make_account()
    n = Opportunity.objects.count()
    with pytest.raises(ValidationFailed, match="needs its parent license opportunity"):
        opportunity_create(actor=people.alice, account=acc, record_type=RecordType.PS_ONLY)
    assert Opportunity.objects.count() == n
    assert not AuditEvent.objects.filter(verb="crm.opportunity_created").exists()


def test_a_ps_only_opportunity_is_named_by_the_convention(people: Any, make_account: Any, frozen_clock: Any) -> None:
    acc = make_account("Initech")
    lic = opportunity_create(actor=people.alice, account=acc, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=acc, parent=lic)
    assert opp.name == "Initech- Professional Services 11/26"
    assert opp.owner == people.alice and opp.stage == St.PENDING_ACCEPTANCE


def test_the_parent_must_be_a_license_of_the_same_account(
    people: Any, make_account: Any, make_opportunity: Any
) -> None:
    ps = make_opportunity()
    with pytest.raises(ValidationFailed, match="must be a license"):
        opportunity_create(actor=people.alice, account=ps.account, parent=ps)
    other = make_account("Other")
    with pytest.raises(ValidationFailed, match="another account"):
        opportunity_create(actor=people.alice, account=other, parent=ps.parent)


def test_owner_moves_forward_and_the_stage_history_comes_from_audit_rows(people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity()
    opportunity_move_to_stage(opportunity_id=opp.pk, stage=St.DISCOVERY, actor=people.alice)
    opportunity_move_to_stage(opportunity_id=opp.pk, stage=St.PROPOSAL, actor=people.alice)
    opp.refresh_from_db()
    assert opp.stage == St.PROPOSAL and opp.version == 2
    history = opportunity_stage_history(opportunity=opp)
    assert [(h.source, h.target, h.actor) for h in history] == [
        ("0-Pending Acceptance", "1-Discovery", "alice"),
        ("1-Discovery", "4-Proposal", "alice"),
    ]


def test_an_owner_cannot_move_backwards(people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity(stage=St.PROPOSAL)
    n = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="permission"):
        opportunity_move_to_stage(opportunity_id=opp.pk, stage=St.DISCOVERY, actor=people.alice, reason="oops")
    opp.refresh_from_db()
    assert opp.stage == St.PROPOSAL and AuditEvent.objects.count() == n


def test_a_sales_manager_moves_back_only_with_a_reason(people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity(stage=St.PROPOSAL)
    with pytest.raises(TransitionNotAllowed, match="needs a reason"):
        opportunity_transition(opportunity_id=opp.pk, action=f"back_to_{St.DISCOVERY}", actor=people.mona)
    opportunity_transition(
        opportunity_id=opp.pk, action=f"back_to_{St.DISCOVERY}", actor=people.mona, reason="customer re-scoping"
    )
    ev = AuditEvent.objects.order_by("-seq").first()
    assert ev is not None
    assert (ev.verb, ev.reason, ev.before, ev.after["stage"]) == (
        "crm_opportunity.back_to_1_discovery",
        "customer re-scoping",
        {"stage": St.PROPOSAL},
        St.DISCOVERY,
    )


def test_someone_elses_opportunity_is_moved_only_by_a_manager(people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity(owner="mona")
    with pytest.raises(TransitionNotAllowed, match="Only the opportunity owner"):
        opportunity_move_to_stage(opportunity_id=opp.pk, stage=St.DISCOVERY, actor=people.alice)
    opp.account_team.add(people.alice)
    opportunity_move_to_stage(opportunity_id=opp.pk, stage=St.DISCOVERY, actor=people.alice)
    opportunity_move_to_stage(opportunity_id=opp.pk, stage=St.SCOPING, actor=people.rita)


@pytest.mark.parametrize("who", ["erin", "tara", "leo", "lena", "paula", "olga", "tom"])
def test_roles_without_the_move_permission_are_refused(who: str, people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity()
    with pytest.raises((PermissionDenied, NotFound)):
        opportunity_move_to_stage(opportunity_id=opp.pk, stage=St.DISCOVERY, actor=people[who])
    assert Opportunity.objects.get(pk=opp.pk).stage == St.PENDING_ACCEPTANCE


@pytest.mark.parametrize("terminal", [St.CLOSED_LOST, St.UNQUALIFIED, St.DUPLICATE])
def test_terminal_stages_have_no_way_out(terminal: str, people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity()
    opportunity_move_to_stage(opportunity_id=opp.pk, stage=terminal, actor=people.alice, reason="lost to partner")
    assert CRM_WORKFLOW.actions_from(terminal) == []
    for target in OPEN_STAGES:
        with pytest.raises(TransitionNotAllowed, match="no move"):
            opportunity_move_to_stage(opportunity_id=opp.pk, stage=target, actor=people.mona, reason="r")
    opp.refresh_from_db()
    assert opp.forecast_category == ForecastCategory.OMITTED


def test_every_stage_pair_is_forward_back_or_impossible() -> None:
    from types import SimpleNamespace

    from psdesk.core.errors import TransitionNotAllowed

    def move_to(s: str, t: str) -> Any:
        try:
            return CRM_WORKFLOW.move_between(SimpleNamespace(stage=s), t)
        except TransitionNotAllowed:
            return None

    stages = list(CRM_WORKFLOW.states)
    for s in stages:
        for t in stages:
            move = move_to(s, t)
            if s in OPEN_STAGES and t in OPEN_STAGES and s != t:
                assert move is not None
                forward = OPEN_STAGES.index(t) > OPEN_STAGES.index(s)
                assert move.permission == ("crm.move_opportunity" if forward else "crm.revert_opportunity")
                assert move.needs_reason is not forward
            elif s in OPEN_STAGES and t not in OPEN_STAGES:
                assert move is not None and move.permission == "crm.move_opportunity"
            else:
                assert move is None


def test_closing_won_a_ps_only_opportunity_without_a_quote_or_an_engagement_is_refused(
    people: Any, make_opportunity: Any
) -> None:
    opp = make_opportunity(stage=St.AWAITING_SIGNATURE)
    n = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed) as exc:
        opportunity_transition(opportunity_id=opp.pk, action="close_won", actor=people.rita)
    assert exc.value.message == CUSTOM_ENGAGEMENT_REFUSAL
    assert Opportunity.objects.get(pk=opp.pk).stage == St.AWAITING_SIGNATURE and AuditEvent.objects.count() == n


def test_a_license_opportunity_closes_won_without_ps_paperwork(people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity()
    opportunity_transition(opportunity_id=opp.parent_id, action="close_won", actor=people.alice)
    assert Opportunity.objects.get(pk=opp.parent_id).forecast_category == ForecastCategory.CLOSED


def test_pubsec_opportunities_are_not_found_for_non_members(
    people: Any, make_account: Any, make_opportunity: Any
) -> None:
    opp = make_opportunity(make_account("Agency", pubsec=True), owner="mona")
    with pytest.raises(NotFound):
        opportunity_move_to_stage(opportunity_id=opp.pk, stage=St.DISCOVERY, actor=people.alice)
    with pytest.raises(NotFound):
        opportunity_update(opportunity_id=opp.pk, actor=people.erin, changes={"em_confidence": "green"})


def test_the_em_edits_the_ps_section_but_not_the_amount(people: Any, make_opportunity: Any) -> None:
    opp = make_opportunity()
    opportunity_update(
        opportunity_id=opp.pk,
        actor=people.erin,
        changes={"em_confidence": "amber", "em_confidence_rationale": "budget in Q1", "ps_value": Decimal("42000.00")},
    )
    opp.refresh_from_db()
    assert (opp.em_confidence, opp.ps_value) == ("amber", Decimal("42000.00"))
    ev = AuditEvent.objects.order_by("-seq").first()
    assert ev is not None and ev.before["em_confidence"] == "grey" and ev.after["em_confidence"] == "amber"
    with pytest.raises(PermissionDenied):
        opportunity_update(opportunity_id=opp.pk, actor=people.erin, changes={"amount": Decimal("1.00")})
    with pytest.raises(ValidationFailed, match="negative"):
        opportunity_update(opportunity_id=opp.pk, actor=people.erin, changes={"ps_value": Decimal("-1")})


def test_an_msa_is_usable_only_inside_its_effective_dates(people: Any, make_account: Any) -> None:
    acc = make_account()
    msa_add(
        account=acc,
        actor=people.lena,
        reference="MSA-2024-7",
        effective_from=date(2024, 1, 1),
        effective_to=date(2025, 12, 31),
    )
    assert acc.msa_on(date(2025, 6, 1)) is not None
    assert acc.msa_on(date(2026, 1, 1)) is None
    with pytest.raises(ValidationFailed, match="end before it starts"):
        msa_add(
            account=acc,
            actor=people.lena,
            reference="X",
            effective_from=date(2026, 1, 2),
            effective_to=date(2026, 1, 1),
        )
    assert Msa.objects.count() == 1


def test_ps_fields_are_pushed_to_the_external_crm_only_when_linked(people: Any, make_opportunity: Any) -> None:
    from psdesk.crm.models import Opportunity
    from psdesk.crm.services import opportunity_update
    from psdesk.notifications.delivery import outbox_deliver_one
    from psdesk.notifications.models import OutboxMessage

    opp = make_opportunity()
    opportunity_update(opportunity_id=opp.pk, actor=people.erin, changes={"ps_value": "1200.00"})
    assert not OutboxMessage.objects.filter(target="crm").exists()  # built-in CRM: nothing to push
    Opportunity.objects.filter(pk=opp.pk).update(crm_external_id="006AB000001")
    opportunity_update(opportunity_id=opp.pk, actor=people.erin, changes={"ps_value": "45000.00"})
    [msg] = OutboxMessage.objects.filter(target="crm")
    assert msg.payload["opportunity_id"] == "006AB000001"
    assert msg.payload["fields"]["Professional_Services_Value__c"] == "45000.00"
    assert outbox_deliver_one(message_id=msg.pk).result == "sent"  # the built-in CRM adapter by default
