"""Board guards from approvals and side labels, the automatic Ready For Approval → Approved move
(also under two concurrent approvers), SLA timers driven by board moves, and the API."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.approvals.services import approval_decide, approval_request
from psdesk.audit.models import AuditEvent
from psdesk.board.approval_state import engagement_approval_states, engagement_content_hash
from psdesk.board.services import engagement_transition
from psdesk.board.workflow import ENGAGEMENT_WORKFLOW
from psdesk.core.errors import TransitionNotAllowed
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.labels import rdm_approved_refusal
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_label_set
from psdesk.sla.models import SlaTimer


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: Any) -> None:
    import psdesk.notifications.services as ns

    monkeypatch.setattr(ns, "notify", lambda **kw: None)


def _place(eng: Engagement, state: str) -> Engagement:
    # Test set-up only: put the card in a column directly (guards of earlier columns belong to
    # other features and are tested there).
    Engagement.objects.filter(pk=eng.pk).update(state=state)
    eng.refresh_from_db()
    return eng


def _final_requests(eng: Engagement, people: Any) -> tuple[Any, Any, str]:
    h = engagement_content_hash(eng)
    lead = approval_request(kind="ps_leadership", target=eng, content_hash=h, requester=people.erin)
    rev = approval_request(kind="revenue", target=eng, content_hash=h, requester=people.erin)
    return lead, rev, h


@pytest.fixture
def only_rdm_guard(monkeypatch: Any) -> None:
    """Keep only the RDM guard on submit_for_approval (SOW guards are tested by the sows app)."""
    move = ENGAGEMENT_WORKFLOW.move("submit_for_approval")
    assert rdm_approved_refusal in move.guards
    monkeypatch.setattr(move, "guards", [rdm_approved_refusal])


@pytest.mark.django_db
def test_submitting_for_approval_needs_rdm_approved(people: Any, make_engagement: Any, only_rdm_guard: None) -> None:
    eng = _place(make_engagement(), S.SOW_WIP)
    audits = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed, match=r"An RDM must approve first \(RDM::approved\)"):
        engagement_transition(engagement_id=eng.pk, action="submit_for_approval", actor=people.erin)
    assert Engagement.objects.get(pk=eng.pk).state == S.SOW_WIP
    assert AuditEvent.objects.count() == audits
    engagement_label_set(engagement=eng, label="RDM::needs-review", actor=people.erin)
    with pytest.raises(TransitionNotAllowed):
        engagement_transition(engagement_id=eng.pk, action="submit_for_approval", actor=people.erin)
    engagement_label_set(engagement=eng, label="RDM::approved", actor=people.rory)
    applied = engagement_transition(engagement_id=eng.pk, action="submit_for_approval", actor=people.erin)
    assert applied.target == S.READY_FOR_APPROVAL


@pytest.mark.django_db
def test_the_system_cannot_approve_before_both_final_approvals(people: Any, make_engagement: Any) -> None:
    eng = _place(make_engagement(), S.READY_FOR_APPROVAL)
    with pytest.raises(TransitionNotAllowed, match="Waiting for PS Leadership approval and Revenue approval"):
        engagement_transition(engagement_id=eng.pk, action="approve", actor=None, system=True)


@pytest.mark.django_db
def test_the_second_final_approval_moves_the_card_to_approved_by_itself(people: Any, make_engagement: Any) -> None:
    eng = _place(make_engagement(), S.READY_FOR_APPROVAL)
    lead, rev, h = _final_requests(eng, people)
    approval_decide(request_id=lead.pk, decider=people.leo, approve=True, content_hash=h)
    assert Engagement.objects.get(pk=eng.pk).state == S.READY_FOR_APPROVAL
    approval_decide(request_id=rev.pk, decider=people.rita, approve=True, content_hash=h)
    assert Engagement.objects.get(pk=eng.pk).state == S.APPROVED
    moves = list(AuditEvent.objects.for_target(eng).filter(verb="board.approve"))
    assert len(moves) == 1
    assert (moves[0].actor_id, moves[0].actor_label, moves[0].before, moves[0].after["state"]) == (
        None,
        "system",
        {"state": S.READY_FOR_APPROVAL},
        S.APPROVED,
    )


@pytest.mark.django_db
def test_a_rejection_does_not_move_the_card(people: Any, make_engagement: Any) -> None:
    eng = _place(make_engagement(), S.READY_FOR_APPROVAL)
    lead, rev, h = _final_requests(eng, people)
    approval_decide(request_id=lead.pk, decider=people.leo, approve=True, content_hash=h)
    approval_decide(request_id=rev.pk, decider=people.rita, approve=False, content_hash=h, comment="discount")
    assert Engagement.objects.get(pk=eng.pk).state == S.READY_FOR_APPROVAL


@pytest.mark.django_db
def test_an_approval_on_an_old_hash_does_not_count_and_shows_as_stale(people: Any, make_engagement: Any) -> None:
    eng = _place(make_engagement(), S.READY_FOR_APPROVAL)
    lead, _rev, h = _final_requests(eng, people)
    approval_decide(request_id=lead.pk, decider=people.leo, approve=True, content_hash=h)
    Engagement.objects.filter(pk=eng.pk).update(description="scope changed")
    eng.refresh_from_db()
    h2 = engagement_content_hash(eng)
    assert h2 != h
    rev2 = approval_request(kind="revenue", target=eng, content_hash=h2, requester=people.erin)
    approval_decide(request_id=rev2.pk, decider=people.rita, approve=True, content_hash=h2)
    assert Engagement.objects.get(pk=eng.pk).state == S.READY_FOR_APPROVAL
    states = {s.kind: s.state for s in engagement_approval_states(eng)}
    assert states == {
        "ta_review": "not_required",
        "rdm_review": "none",
        "ps_leadership": "stale",
        "revenue": "approved",
        "legal_stamp": "not_required",
    }


@pytest.mark.django_db(transaction=True)
def test_two_approvers_at_once_make_one_approved_move(people: Any, make_engagement: Any) -> None:
    eng = _place(make_engagement(), S.READY_FOR_APPROVAL)
    lead, rev, h = _final_requests(eng, people)
    audits_before = AuditEvent.objects.for_target(eng).filter(verb="board.approve").count()
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def decide(request_id: int, user: Any) -> None:
        try:
            barrier.wait(timeout=10)
            approval_decide(request_id=request_id, decider=user, approve=True, content_hash=h)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(lead.pk, people.leo)),
        threading.Thread(target=decide, args=(rev.pk, people.rita)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    assert Engagement.objects.get(pk=eng.pk).state == S.APPROVED
    assert ApprovalDecision.objects.filter(request__in=[lead.pk, rev.pk], approve=True).count() == 2
    assert AuditEvent.objects.for_target(eng).filter(verb="board.approve").count() == audits_before + 1


# --- SLA through board moves ---------------------------------------------------------------------
@pytest.mark.django_db
def test_board_moves_start_stop_and_pause_presales_timers(people: Any, make_engagement: Any, frozen_clock: Any) -> None:
    eng = _place(make_engagement(), S.AWAITING_DISCOVERY)
    engagement_transition(engagement_id=eng.pk, action="start_strawman", actor=people.erin)
    timer = SlaTimer.objects.for_target(eng).get(policy__key="estimate_shared")
    # Fri 27 Nov 2026 16:00 UTC = 11:00 New York; 3 business days → Wed 2 Dec 11:00 EST
    assert (timer.state, timer.due_at) == ("running", datetime(2026, 12, 2, 16, tzinfo=UTC))
    frozen_clock.advance(hours=1)
    engagement_transition(engagement_id=eng.pk, action="hold", actor=people.erin, reason="customer freeze")
    timer.refresh_from_db()
    assert (timer.state, timer.remaining_seconds) == ("paused", 71 * 3600)
    frozen_clock.advance(days=10)
    engagement_transition(engagement_id=eng.pk, action="resume", actor=people.erin, reason="back")
    timer.refresh_from_db()
    assert timer.state == "running"
    assert timer.due_at == frozen_clock.at + timedelta(hours=71)  # Mon 7 Dec 17:00 UTC + 71 business h
    engagement_transition(engagement_id=eng.pk, action="close_lost", actor=people.erin, reason="lost")
    timer.refresh_from_db()
    assert (timer.state, timer.outcome) == ("stopped", "cancelled")


# --- API -----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_approval_journey_over_the_api(api: Any, people: Any, make_engagement: Any) -> None:
    eng = _place(make_engagement(), S.READY_FOR_APPROVAL)
    body = api("erin").get(f"/api/v1/engagements/{eng.pk}/approvals").json()
    h = body["content_hash"]
    assert {a["kind"]: a["state"] for a in body["approvals"]}["revenue"] == "none"
    ids = {}
    for kind in ("ps_leadership", "revenue"):
        r = api("erin").post(f"/api/v1/engagements/{eng.pk}/approvals", {"kind": kind, "note": "please"})
        assert r.status_code == 201, r.content
        ids[kind] = r.json()["id"]
    # wrong role, stale hash, then the real decisions
    assert (
        api("erin")
        .post(f"/api/v1/engagements/{eng.pk}/approvals/{ids['revenue']}/decision", {"approve": True, "content_hash": h})
        .status_code
        == 403
    )
    stale = api("rita").post(
        f"/api/v1/engagements/{eng.pk}/approvals/{ids['revenue']}/decision", {"approve": True, "content_hash": "0" * 64}
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "stale_hash")
    r1 = api("leo").post(
        f"/api/v1/engagements/{eng.pk}/approvals/{ids['ps_leadership']}/decision", {"approve": True, "content_hash": h}
    )
    assert (r1.status_code, r1.json()["engagement_state"]) == (200, S.READY_FOR_APPROVAL)
    r2 = api("rita").post(
        f"/api/v1/engagements/{eng.pk}/approvals/{ids['revenue']}/decision", {"approve": True, "content_hash": h}
    )
    assert (r2.status_code, r2.json()["engagement_state"]) == (200, S.APPROVED)


@pytest.mark.django_db
@pytest.mark.parametrize(("user", "status"), [("olga", 403), ("tara", 403), ("leo", 403), ("alice", 201)])
def test_who_may_request_an_approval_over_the_api(api: Any, make_engagement: Any, user: str, status: int) -> None:
    eng = make_engagement(at=S.APPROVED)
    r = api(user).post(f"/api/v1/engagements/{eng.pk}/approvals", {"kind": "legal_stamp"})
    assert r.status_code == status


@pytest.mark.django_db
def test_pubsec_approvals_and_sla_are_invisible_to_non_members(
    api: Any, make_account: Any, make_engagement: Any
) -> None:
    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    for path in ("approvals", "sla", "labels"):
        assert api("erin").get(f"/api/v1/engagements/{eng.pk}/{path}").status_code == 404
        assert api("pat").get(f"/api/v1/engagements/{eng.pk}/{path}").status_code == 200
    assert api("erin").post(f"/api/v1/engagements/{eng.pk}/approvals", {"kind": "revenue"}).status_code == 404


@pytest.mark.django_db
def test_the_sla_endpoint_shows_business_hours_left(
    api: Any, people: Any, make_engagement: Any, frozen_clock: Any
) -> None:
    eng = _place(make_engagement(), S.AWAITING_DISCOVERY)
    engagement_transition(engagement_id=eng.pk, action="start_strawman", actor=people.erin)
    frozen_clock.advance(hours=2)
    timers = {t["policy_key"]: t for t in api("erin").get(f"/api/v1/engagements/{eng.pk}/sla").json()}
    timer = timers["estimate_shared"]  # (the card was placed past Open, so first_em_touch still runs too)
    assert (timer["policy_key"], timer["status"], timer["hours_left"]) == ("estimate_shared", "ok", 70.0)
    assert api("olga").get(f"/api/v1/engagements/{eng.pk}/sla").status_code == 403


# --- approver inbox and CLI ----------------------------------------------------------------------
@pytest.mark.django_db
def test_the_inbox_lists_pending_requests_the_user_may_decide_on_visible_cards(
    api: Any, people: Any, make_account: Any, make_engagement: Any
) -> None:
    eng = make_engagement()
    secret = make_engagement(make_account("Agency", pubsec=True), em="pat")
    h = engagement_content_hash(eng)
    rev = approval_request(kind="revenue", target=eng, content_hash=h, requester=people.erin)
    approval_request(kind="ps_leadership", target=eng, content_hash=h, requester=people.erin)
    approval_request(kind="revenue", target=secret, content_hash=engagement_content_hash(secret), requester=people.pat)
    body = api("rita").get("/api/v1/approvals/pending").json()
    assert [(r["id"], r["kind"], r["engagement_id"], r["requester"]) for r in body] == [
        (rev.pk, "revenue", eng.pk, "erin")
    ]
    assert api("erin").get("/api/v1/approvals/pending").status_code == 403
    assert api("olga").get("/api/v1/approvals/pending").status_code == 403
    assert api("rita").get("/api/v1/approvals/pending", limit=500).status_code == 422


@pytest.mark.django_db
def test_the_cli_requests_decides_and_moves_labels_with_the_same_rules(people: Any, make_engagement: Any) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    eng = _place(make_engagement(), S.READY_FOR_APPROVAL)
    h = engagement_content_hash(eng)
    out = StringIO()
    call_command("approval", "request", str(eng.pk), "ps_leadership", "--as", "erin", stdout=out)
    call_command("approval", "request", str(eng.pk), "revenue", "--as", "erin", stdout=out)
    lead, rev = ApprovalRequest.objects.order_by("id").values_list("pk", flat=True)
    with pytest.raises(CommandError, match="409 stale_hash"):
        call_command("approval", "decide", str(rev), "--as", "rita", "--approve", "--hash", "0" * 64, stdout=out)
    call_command("approval", "decide", str(lead), "--as", "leo", "--approve", "--hash", h, stdout=out)
    call_command("approval", "decide", str(rev), "--as", "rita", "--approve", "--hash", h, stdout=out)
    assert out.getvalue().splitlines()[-1] == f"request {rev}: approved; engagement {eng.pk} is approved"
    with pytest.raises(CommandError, match="409 transition_not_allowed"):
        call_command("approval", "label", str(eng.pk), "RDM", "approve", "--as", "rory", stdout=out)
    call_command("approval", "label", str(eng.pk), "RDM", "request_review", "--as", "erin", stdout=out)
    assert out.getvalue().splitlines()[-1] == f"engagement {eng.pk}: RDM::needs-review"
    status = StringIO()
    call_command("approval", "status", str(eng.pk), "--as", "erin", stdout=status)
    assert f"engagement {eng.pk} approved  content hash {h}" in status.getvalue()
    assert "  revenue        approved " in status.getvalue()


@pytest.mark.django_db
def test_a_resubmitted_card_whose_approvals_still_hold_moves_on_to_approved_after_commit(
    people: Any, make_engagement: Any, only_rdm_guard: None, django_capture_on_commit_callbacks: Any
) -> None:
    eng = _place(make_engagement(), S.READY_FOR_APPROVAL)
    engagement_label_set(engagement=eng, label="RDM::approved", actor=people.rory)
    lead, rev, h = _final_requests(eng, people)
    approval_decide(request_id=lead.pk, decider=people.leo, approve=True, content_hash=h)
    engagement_transition(engagement_id=eng.pk, action="send_back", actor=people.erin, reason="terms")
    approval_decide(request_id=rev.pk, decider=people.rita, approve=True, content_hash=h)
    assert Engagement.objects.get(pk=eng.pk).state == S.SOW_WIP  # approvals never move a card in SOW WIP
    with django_capture_on_commit_callbacks(execute=True):
        engagement_transition(engagement_id=eng.pk, action="submit_for_approval", actor=people.erin)
    assert Engagement.objects.get(pk=eng.pk).state == S.APPROVED
    assert AuditEvent.objects.for_target(eng).filter(verb="board.approve").count() == 1
