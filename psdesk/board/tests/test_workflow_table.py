"""Every (state, move) pair of the board: allowed ones land with one audit row, refused ones change
nothing and write nothing.

This table is about the shape of the workflow — sources, targets, permissions, reasons, audit. The
guards that other apps own (SSOT rows, estimates, SOW, RDM, approvals) are switched off here and
tested in their apps and in test_board_guards.py; the board's own guards stay on."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.board.services import engagement_transition
from psdesk.board.workflow import ENGAGEMENT_WORKFLOW
from psdesk.core.errors import TransitionNotAllowed
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement

ALL_STATES = list(ENGAGEMENT_WORKFLOW.states)
ALL_ACTIONS = list(ENGAGEMENT_WORKFLOW.moves)

# (source, action) → expected target for the moves an EM makes by hand with a reason, when the
# opportunity is Closed Won. Everything else must be refused.
EXPECTED: dict[tuple[str, str], str] = {
    (S.OPEN, "triage"): S.AWAITING_DISCOVERY,
    (S.AWAITING_DISCOVERY, "start_strawman"): S.STRAWMAN_WIP,
    (S.STRAWMAN_WIP, "request_feedback"): S.ESTIMATE_FEEDBACK,
    (S.ESTIMATE_FEEDBACK, "iterate"): S.STRAWMAN_WIP,
    (S.ESTIMATE_FEEDBACK, "start_sow"): S.SOW_WIP,
    (S.SOW_WIP, "submit_for_approval"): S.READY_FOR_APPROVAL,
    (S.READY_FOR_APPROVAL, "send_back"): S.SOW_WIP,
    (S.ON_HOLD, "resume"): S.SOW_WIP,  # state_before_hold is SOW WIP in the fixture
}
OPEN = [S.OPEN, S.AWAITING_DISCOVERY, S.STRAWMAN_WIP, S.ESTIMATE_FEEDBACK, S.SOW_WIP, S.READY_FOR_APPROVAL, S.APPROVED]
for _s in OPEN:
    EXPECTED[(_s, "hold")] = S.ON_HOLD
for _s in [*OPEN, S.ON_HOLD]:
    EXPECTED[(_s, "close_won")] = S.CLOSED_WON
    EXPECTED[(_s, "close_lost")] = S.CLOSED_LOST


def _place(eng: Engagement, state: str) -> None:
    # Test set-up only: put the card in a column directly (the service is what is under test).
    Engagement.objects.filter(pk=eng.pk).update(state=state, state_before_hold=S.SOW_WIP if state == S.ON_HOLD else "")


BOARD_GUARDS = {"em_assigned_refusal", "opportunity_closed_won_refusal"}


@pytest.fixture(autouse=True)
def _only_board_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    for move in ENGAGEMENT_WORKFLOW.moves.values():
        monkeypatch.setattr(move, "guards", [g for g in move.guards if g.__name__ in BOARD_GUARDS])


@pytest.mark.django_db
@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_every_state_and_move_pair(
    state: str, action: str, people: Any, make_account: Any, make_engagement: Any
) -> None:
    acc = make_account()
    opp = Opportunity.objects.create(name="PS", account=acc, stage=OpportunityStage.CLOSED_WON)
    eng = make_engagement(acc, opportunity=opp)
    _place(eng, state)
    audits_before = AuditEvent.objects.count()
    expected = EXPECTED.get((state, action))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            engagement_transition(engagement_id=eng.pk, action=action, actor=people.erin, reason="because")
        eng.refresh_from_db()
        assert eng.state == state
        assert AuditEvent.objects.count() == audits_before
    else:
        actor = people.rita if action == "close_won" else people.erin
        applied = engagement_transition(engagement_id=eng.pk, action=action, actor=actor, reason="because")
        eng.refresh_from_db()
        assert (applied.source, applied.target, eng.state) == (state, expected, expected)
        ev = AuditEvent.objects.get(seq=AuditEvent.objects.count())
        assert ev.verb == f"board.{action}"
        assert ev.before == {"state": state}
        assert ev.after["state"] == expected
        assert ev.actor_id == actor.pk
        assert AuditEvent.objects.count() == audits_before + 1


def test_approve_is_made_by_the_system_only(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    with pytest.raises(TransitionNotAllowed, match="made by the system"):
        engagement_transition(engagement_id=eng.pk, action="approve", actor=people.leo)
    applied = engagement_transition(engagement_id=eng.pk, action="approve", actor=None, system=True)
    assert applied.target == S.APPROVED
