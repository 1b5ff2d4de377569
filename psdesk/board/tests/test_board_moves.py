from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from psdesk.audit.models import AuditEvent
from psdesk.board.services import engagement_move_to_column, engagement_transition
from psdesk.core.errors import BadRequest, Conflict, NotFound, PermissionDenied, TransitionNotAllowed
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement

pytestmark = pytest.mark.django_db


def test_starting_discovery_requires_an_engagement_manager(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(em=None)
    with pytest.raises(TransitionNotAllowed, match="Assign an engagement manager"):
        engagement_transition(engagement_id=eng.pk, action="triage", actor=people.erin)
    eng.refresh_from_db()
    assert eng.state == S.OPEN


def test_on_hold_returns_to_the_column_it_left(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(path=("triage", "start_strawman"))
    with pytest.raises(TransitionNotAllowed, match="needs a reason"):
        engagement_transition(engagement_id=eng.pk, action="hold", actor=people.erin)
    engagement_transition(engagement_id=eng.pk, action="hold", actor=people.erin, reason="budget freeze")
    eng.refresh_from_db()
    assert (eng.state, eng.state_before_hold) == (S.ON_HOLD, S.STRAWMAN_WIP)
    engagement_transition(engagement_id=eng.pk, action="resume", actor=people.erin, reason="budget back")
    eng.refresh_from_db()
    assert (eng.state, eng.state_before_hold) == (S.STRAWMAN_WIP, "")


def test_send_back_needs_a_reason_and_approvers_may_do_it(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    with pytest.raises(TransitionNotAllowed, match="needs a reason"):
        engagement_transition(engagement_id=eng.pk, action="send_back", actor=people.leo)
    engagement_transition(engagement_id=eng.pk, action="send_back", actor=people.leo, reason="fees section wrong")
    ev = AuditEvent.objects.order_by("-seq").first()
    assert ev is not None and ev.reason == "fees section wrong" and ev.actor_id == people.leo.pk


def test_a_role_without_the_move_permission_is_refused(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    for who in ("alice", "tara", "leo", "olga"):
        with pytest.raises(PermissionDenied, match="permission"):
            engagement_transition(engagement_id=eng.pk, action="triage", actor=people[who])


def test_close_won_follows_the_opportunity(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(path=("triage",))
    with pytest.raises(TransitionNotAllowed, match="Link the opportunity"):
        engagement_transition(engagement_id=eng.pk, action="close_won", actor=people.rita)


def test_unknown_action_is_a_bad_request(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    with pytest.raises(BadRequest, match="Unknown action 'fly'"):
        engagement_transition(engagement_id=eng.pk, action="fly", actor=people.erin)


def test_pubsec_engagement_is_not_found_for_non_members(people: Any, make_account: Any, make_engagement: Any) -> None:
    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    with pytest.raises(NotFound):
        engagement_transition(engagement_id=eng.pk, action="triage", actor=people.erin)
    engagement_transition(engagement_id=eng.pk, action="triage", actor=people.pat)


def test_a_stale_version_is_a_conflict_and_changes_nothing(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    n = AuditEvent.objects.count()
    with pytest.raises(Conflict, match="changed since you loaded it"):
        engagement_transition(
            engagement_id=eng.pk, action="triage", actor=people.erin, expected_version=eng.version + 5
        )
    eng.refresh_from_db()
    assert eng.state == S.OPEN and AuditEvent.objects.count() == n


def test_drag_to_a_column_finds_the_move_or_explains(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    engagement_move_to_column(engagement_id=eng.pk, target_state=S.AWAITING_DISCOVERY, actor=people.erin)
    with pytest.raises(TransitionNotAllowed, match="no move from proposal::Awaiting_Discovery to proposal::Approved"):
        engagement_move_to_column(engagement_id=eng.pk, target_state=S.APPROVED, actor=people.erin)
    with pytest.raises(BadRequest):
        engagement_move_to_column(engagement_id=eng.pk, target_state="nowhere", actor=people.erin)


@pytest.mark.django_db(transaction=True)
def test_two_racing_moves_of_one_card_make_exactly_one_transition(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def move() -> None:
        try:
            barrier.wait()
            engagement_transition(
                engagement_id=eng.pk, action="triage", actor=people.erin, expected_version=eng.version
            )
            outcomes.append("ok")
        except (Conflict, TransitionNotAllowed):
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=move) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["409", "ok"]
    assert Engagement.objects.get(pk=eng.pk).state == S.AWAITING_DISCOVERY
    assert AuditEvent.objects.filter(verb="board.triage").count() == 1


def test_closing_the_opportunity_lost_closes_its_open_card_lost(
    people: Any, make_account: Any, make_engagement: Any
) -> None:
    from psdesk.crm.choices import OpportunityStage, RecordType
    from psdesk.crm.models import Opportunity
    from psdesk.crm.services import opportunity_transition

    acc = make_account("Lost Co")
    opp = Opportunity.objects.create(
        name="Lost Co PS",
        account=acc,
        owner=people.alice,
        record_type=RecordType.LICENSE,
        stage=OpportunityStage.PROPOSAL,
    )
    eng = make_engagement(acc, opportunity=opp, path=("triage",))
    opportunity_transition(opportunity_id=opp.pk, action="close_lost", actor=people.alice, reason="went with a partner")
    eng.refresh_from_db()
    assert eng.state == S.CLOSED_LOST
    ev = AuditEvent.objects.filter(verb="board.close_lost", target_id=str(eng.pk)).get()
    assert ev.reason == "opportunity closed lost: went with a partner"
