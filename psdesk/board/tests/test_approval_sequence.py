"""Approvals read as a sequence (docs/howto/sla-and-approvals.md): PS Leadership and Revenue are
asked for and decide in Ready For Approval — earlier only when the board policy allows early
approvals, and then the card says so and Submit moves it on to Approved automatically. Refusals are
409 `out_of_sequence` with the reason and write nothing; the drawer shows who, when and on which
SOW version."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.audit.models import AuditEvent
from psdesk.board.approval_state import engagement_approval_states, engagement_content_hash
from psdesk.board.models import BoardPolicy
from psdesk.board.selectors import available_moves
from psdesk.board.services import engagement_approval_decide, engagement_approval_request, engagement_transition
from psdesk.core.errors import Conflict
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_label_set
from psdesk.notifications.models import Notification
from psdesk.sows import services as sows
from psdesk.sows.tests.conftest import make_estimate

pytestmark = pytest.mark.django_db

REQUESTERS = ("erin", "alice", "oscar")
NOT_REQUESTERS = ("sam", "tara", "rory", "leo", "rita", "lena", "paula", "cody", "tom", "olga")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def card(people: Any, make_engagement: Any) -> Engagement:
    """erin's card in SOW WIP with an agreed estimate, RDM approved, SOW v1 generated and reviewed:
    ready to be submitted for approval."""
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create

    eng = make_engagement(description="Stand up GitLab.")
    lic = opportunity_create(actor=people.alice, account=eng.account, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=eng.account, parent=lic, stage="6_awaiting_signature")
    Engagement.objects.filter(pk=eng.pk).update(state=S.SOW_WIP, opportunity=opp)
    eng.refresh_from_db()
    make_estimate(eng)
    engagement_label_set(engagement=eng, label="RDM::approved", actor=people.rory)
    v = sows.sow_generate(engagement_id=eng.pk, actor=people.erin)
    sows.sow_review_record(sow_id=v.sow_id, actor=people.erin)
    return eng


def _place(eng: Engagement, state: str) -> Engagement:
    Engagement.objects.filter(pk=eng.pk).update(state=state)  # test set-up: the column under test
    eng.refresh_from_db()
    return eng


def _early(on: bool = True) -> None:
    BoardPolicy.objects.all().delete()
    BoardPolicy.objects.create(allow_early_final_approvals=on)


def _states(eng: Engagement) -> dict[str, Any]:
    return {s.kind: s for s in engagement_approval_states(eng)}


def _counts() -> tuple[int, int, int, int]:
    return (
        ApprovalRequest.objects.count(),
        ApprovalDecision.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


# --- services ----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["ps_leadership", "revenue"])
@pytest.mark.parametrize(
    "state", [S.OPEN, S.AWAITING_DISCOVERY, S.STRAWMAN_WIP, S.ESTIMATE_FEEDBACK, S.SOW_WIP, S.ON_HOLD]
)
def test_final_approvals_are_not_asked_for_before_ready_for_approval(
    people: Any, make_engagement: Any, kind: str, state: str
) -> None:
    eng = make_engagement(at=state)
    before = _counts()
    with pytest.raises(Conflict, match=r"is asked for and decided in Ready For Approval; this card is in") as exc:
        engagement_approval_request(engagement=eng, kind=kind, requester=people.erin)
    assert exc.value.code == "out_of_sequence" and exc.value.status == 409
    assert _counts() == before  # no request, no audit row, no notification


def test_a_card_already_approved_needs_no_final_approval(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(at=S.APPROVED)
    with pytest.raises(Conflict, match="no longer needed: this card is already Approved"):
        engagement_approval_request(engagement=eng, kind="revenue", requester=people.erin)


def test_the_legal_stamp_is_asked_for_once_the_card_is_approved(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    with pytest.raises(Conflict, match="Legal stamps the SOW once the card is Approved; this card is in Ready"):
        engagement_approval_request(engagement=eng, kind="legal_stamp", requester=people.alice)
    _place(eng, S.APPROVED)
    assert engagement_approval_request(engagement=eng, kind="legal_stamp", requester=people.alice).status == "pending"


def test_a_request_made_in_ready_for_approval_is_not_decided_after_the_card_went_back(
    people: Any, make_engagement: Any
) -> None:
    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    req = engagement_approval_request(engagement=eng, kind="ps_leadership", requester=people.erin)
    _place(eng, S.SOW_WIP)
    before = _counts()
    with pytest.raises(Conflict, match=r"this card is in SOW WIP\. Submit it for approval first"):
        engagement_approval_decide(
            engagement_id=eng.pk, request_id=req.pk, decider=people.leo, approve=True, content_hash=req.content_hash
        )
    assert _counts() == before
    assert ApprovalRequest.objects.get(pk=req.pk).status == "pending"


def test_the_sequence_submit_then_both_approvals_moves_the_card_to_approved_and_shows_who_when_and_version(
    people: Any, card: Engagement, frozen_clock: Any
) -> None:
    with pytest.raises(Conflict):
        engagement_approval_request(engagement=card, kind="ps_leadership", requester=people.erin)
    engagement_transition(engagement_id=card.pk, action="submit_for_approval", actor=people.erin)
    card.refresh_from_db()
    h = engagement_content_hash(card)
    for kind, who in (("ps_leadership", people.leo), ("revenue", people.rita)):
        req = engagement_approval_request(engagement=card, kind=kind, requester=people.erin)
        engagement_approval_decide(engagement_id=card.pk, request_id=req.pk, decider=who, approve=True, content_hash=h)
    card.refresh_from_db()
    assert card.state == S.APPROVED
    auto = AuditEvent.objects.for_target(card).get(verb="board.approve")
    assert auto.actor_id is None and auto.before == {"state": S.READY_FOR_APPROVAL}
    rows = _states(card)
    lead = rows["ps_leadership"]
    assert (lead.state, lead.decided_by, lead.decider_role, lead.on_version) == (
        "approved",
        "leo",
        "PS Leadership",
        "SOW v1",
    )
    assert lead.decided_at == frozen_clock.at and lead.requested_by == "erin" and lead.early is False
    assert (rows["revenue"].decided_by, rows["revenue"].decider_role) == ("rita", "Revenue / Deal Desk")
    assert (rows["rdm_review"].state, rows["rdm_review"].decided_by, rows["rdm_review"].on_version) == (
        "approved",
        "rory",
        "before the SOW",
    )
    assert rows["legal_stamp"].state == "none" and rows["legal_stamp"].sequence is None  # Legal's turn now
    assert ApprovalDecision.objects.filter(request__target_id=card.pk).values_list(
        "target_state", flat=True
    ).distinct().get() == (S.READY_FOR_APPROVAL)


def test_with_early_approvals_allowed_the_card_says_so_and_submit_moves_on_automatically(
    people: Any, card: Engagement, django_capture_on_commit_callbacks: Any
) -> None:
    _early()
    h = engagement_content_hash(card)
    for kind, who in (("ps_leadership", people.leo), ("revenue", people.rita)):
        req = engagement_approval_request(engagement=card, kind=kind, requester=people.erin)
        engagement_approval_decide(engagement_id=card.pk, request_id=req.pk, decider=who, approve=True, content_hash=h)
    card.refresh_from_db()
    assert card.state == S.SOW_WIP  # early approvals do not move the card by themselves
    lead = _states(card)["ps_leadership"]
    assert lead.early is True
    assert lead.early_note == "PS Leadership approved early on content v1 (the card was in SOW WIP)"
    submit = next(m for m in available_moves(card, people.erin) if m["action"] == "submit_for_approval")
    assert submit["refusal"] is None
    assert submit["then"] == (
        "PS Leadership and Revenue already approved the current content: "
        "the card then moves on to Approved automatically."
    )
    with django_capture_on_commit_callbacks(execute=True):
        engagement_transition(engagement_id=card.pk, action="submit_for_approval", actor=people.erin)
    assert Engagement.objects.get(pk=card.pk).state == S.APPROVED
    assert list(
        AuditEvent.objects.for_target(card)
        .filter(verb__in=["board.submit_for_approval", "board.approve"])
        .order_by("seq")
        .values_list("verb", "actor_label")
    ) == [("board.submit_for_approval", "erin"), ("board.approve", "system")]


def test_early_approvals_are_still_refused_on_hold_and_when_the_policy_is_off(
    people: Any, make_engagement: Any
) -> None:
    _early()
    held = make_engagement(at=S.ON_HOLD)
    with pytest.raises(Conflict, match="this card is in On Hold"):
        engagement_approval_request(engagement=held, kind="revenue", requester=people.erin)
    _early(on=False)
    wip = make_engagement(at=S.SOW_WIP)
    with pytest.raises(Conflict, match="Submit it for approval first"):
        engagement_approval_request(engagement=wip, kind="revenue", requester=people.erin)


# --- API: every role, the outsider and PubSec ----------------------------------------------------
@pytest.mark.parametrize("user", REQUESTERS + NOT_REQUESTERS)
def test_who_may_ask_for_a_final_approval_and_when_over_the_api(api: Any, make_engagement: Any, user: str) -> None:
    wip = make_engagement(at=S.SOW_WIP)
    ready = make_engagement(at=S.READY_FOR_APPROVAL)
    early = api(user).post(f"/api/v1/engagements/{wip.pk}/approvals", {"kind": "ps_leadership"})
    in_turn = api(user).post(f"/api/v1/engagements/{ready.pk}/approvals", {"kind": "ps_leadership"})
    if user in REQUESTERS:
        assert early.status_code == 409, early.content
        assert early.json()["code"] == "out_of_sequence"
        assert early.json()["message"] == (
            "PS Leadership approval is asked for and decided in Ready For Approval; this card is in SOW WIP. "
            "Submit it for approval first."
        )
        assert in_turn.status_code == 201
    else:
        assert (early.status_code, in_turn.status_code) == (403, 403)
    assert ApprovalRequest.objects.filter(target_id=wip.pk).count() == 0


@pytest.mark.parametrize(
    ("user", "kind", "status"),
    [
        ("leo", "ps_leadership", 409),
        ("rita", "revenue", 409),
        ("rita", "ps_leadership", 403),
        ("erin", "ps_leadership", 403),
        ("tara", "revenue", 403),
        ("lena", "revenue", 403),
        ("olga", "ps_leadership", 403),
    ],
)
def test_who_may_decide_and_when_over_the_api(
    api: Any, people: Any, make_engagement: Any, user: str, kind: str, status: int
) -> None:
    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    req = engagement_approval_request(engagement=eng, kind=kind, requester=people.erin)
    _place(eng, S.SOW_WIP)  # sent back after the request
    r = api(user).post(
        f"/api/v1/engagements/{eng.pk}/approvals/{req.pk}/decision", {"approve": True, "content_hash": req.content_hash}
    )
    assert r.status_code == status, r.content
    if status == 409:
        assert r.json()["code"] == "out_of_sequence"
    assert ApprovalDecision.objects.filter(request=req).count() == 0


def test_pubsec_final_approvals_follow_the_sequence_for_members_and_stay_invisible_to_others(
    api: Any, people: Any, make_account: Any, make_engagement: Any
) -> None:
    eng = make_engagement(make_account("Agency", pubsec=True), em="pat", at=S.SOW_WIP)
    assert api("erin").post(f"/api/v1/engagements/{eng.pk}/approvals", {"kind": "revenue"}).status_code == 404
    assert api("pat").post(f"/api/v1/engagements/{eng.pk}/approvals", {"kind": "revenue"}).status_code == 409
    _place(eng, S.READY_FOR_APPROVAL)
    r = api("pat").post(f"/api/v1/engagements/{eng.pk}/approvals", {"kind": "revenue"})
    assert r.status_code == 201
    decision = {"approve": True, "content_hash": r.json()["content_hash"]}
    assert (
        api("rita").post(f"/api/v1/engagements/{eng.pk}/approvals/{r.json()['id']}/decision", decision).status_code
        == 404
    )
    body = api("pat").get(f"/api/v1/engagements/{eng.pk}/approvals").json()
    assert body["state"] == S.READY_FOR_APPROVAL and body["early_approvals_allowed"] is False
    assert {a["kind"]: a["requested_by"] for a in body["approvals"]}["revenue"] == "pat"


def test_the_approvals_endpoint_shows_who_when_and_the_version(
    api: Any, people: Any, card: Engagement, django_capture_on_commit_callbacks: Any
) -> None:
    _early()
    h = engagement_content_hash(card)
    req = engagement_approval_request(engagement=card, kind="ps_leadership", requester=people.erin)
    r = api("leo").post(
        f"/api/v1/engagements/{card.pk}/approvals/{req.pk}/decision", {"approve": True, "content_hash": h}
    )
    assert (r.status_code, r.json()["engagement_state"]) == (200, S.SOW_WIP)
    body = api("erin").get(f"/api/v1/engagements/{card.pk}/approvals").json()
    lead = next(a for a in body["approvals"] if a["kind"] == "ps_leadership")
    assert {k: lead[k] for k in ("state", "decided_by", "decider_role", "on_version", "early", "early_note")} == {
        "state": "approved",
        "decided_by": "leo",
        "decider_role": "PS Leadership",
        "on_version": "SOW v1",
        "early": True,
        "early_note": "PS Leadership approved early on content v1 (the card was in SOW WIP)",
    }
    assert [a["kind"] for a in body["approvals"]] == [
        "ta_review",
        "rdm_review",
        "ps_leadership",
        "revenue",
        "legal_stamp",
    ]


# --- pages ----------------------------------------------------------------------------------------
def test_the_drawer_refuses_an_early_request_with_a_message_and_shows_the_sequence(
    people: Any, card: Engagement
) -> None:
    c = Client()
    c.force_login(people.erin)
    r = c.post(f"/engagements/{card.pk}/approvals/request", {"kind": "ps_leadership"}, follow=True)
    html = r.content.decode()
    assert r.status_code == 200
    assert "Submit it for approval first." in html.split('class="messages"')[1].split("</ul>")[0]
    assert ApprovalRequest.objects.filter(target_id=card.pk).count() == 0
    row = html.split('data-kind="ps_leadership"')[1].split("</tr>")[0]
    assert "Request</button>" not in row and "Submit it for approval first." in row


def test_the_board_card_says_a_final_approval_came_early(people: Any, card: Engagement) -> None:
    _early()
    h = engagement_content_hash(card)
    for kind, who in (("ps_leadership", people.leo), ("revenue", people.rita)):
        req = engagement_approval_request(engagement=card, kind=kind, requester=people.erin)
        engagement_approval_decide(engagement_id=card.pk, request_id=req.pk, decider=who, approve=True, content_hash=h)
    c = Client()
    c.force_login(people.erin)
    html = c.get("/").content.decode()
    tile = html.split(f'id="card-{card.pk}"')[1].split("</li>")[0]
    assert "PS Leadership: approved early on v1" in tile and "Revenue: approved early on v1" in tile
    drawer = c.get(f"/engagements/{card.pk}/").content.decode()
    assert "PS Leadership approved early on content v1 (the card was in SOW WIP)" in drawer
    assert "moves on to Approved automatically" in drawer
