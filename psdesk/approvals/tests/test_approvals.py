"""Approval requests and decisions over a target and a content hash: who may decide each kind,
no self-approval, stale hashes refused, changed content invalidates old approvals."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.approvals.selectors import approval_list, approvals_current
from psdesk.approvals.services import approval_decide, approval_request, approvals_invalidate
from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

H1 = "a" * 64
H2 = "b" * 64

DECIDERS = {
    ApprovalKind.TA_REVIEW: "tara",
    ApprovalKind.RDM_REVIEW: "rory",
    ApprovalKind.PS_LEADERSHIP: "leo",
    ApprovalKind.REVENUE: "rita",
    ApprovalKind.LEGAL_STAMP: "lena",
}
EVERYONE = ["alice", "sam", "erin", "emil", "tara", "rory", "leo", "rita", "lena", "paula", "oscar", "cody", "olga"]


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    import psdesk.notifications.services as ns

    monkeypatch.setattr(ns, "notify", lambda **kw: calls.append(kw))
    return calls


@pytest.mark.parametrize("kind", list(ApprovalKind))
def test_only_the_role_holding_the_kinds_permission_may_decide_it(
    kind: ApprovalKind, people: Any, make_engagement: Any
) -> None:
    eng = make_engagement()
    req = approval_request(kind=kind, target=eng, content_hash=H1, requester=people.erin)
    audits = AuditEvent.objects.count()
    for user in EVERYONE:
        if user == DECIDERS[kind]:
            continue
        with pytest.raises(PermissionDenied, match="may decide"):
            approval_decide(request_id=req.pk, decider=people[user], approve=True, content_hash=H1)
        req.refresh_from_db()
        assert req.status == ApprovalStatus.PENDING, user
        assert ApprovalDecision.objects.count() == 0
        assert AuditEvent.objects.count() == audits
    decider = people[DECIDERS[kind]]
    d = approval_decide(request_id=req.pk, decider=decider, approve=True, content_hash=H1)
    req.refresh_from_db()
    assert (req.status, d.approve, d.content_hash, d.decider_id) == (ApprovalStatus.APPROVED, True, H1, decider.pk)
    ev = AuditEvent.objects.latest("seq")
    assert (ev.verb, ev.actor_id, ev.after["status"], ev.after["kind"]) == (
        "approvals.decided",
        decider.pk,
        "approved",
        kind,
    )
    assert AuditEvent.objects.count() == audits + 1


def test_a_requester_never_approves_their_own_request(people: Any, make_engagement: Any) -> None:
    from django.contrib.auth.models import Group

    people.leo.groups.add(Group.objects.get(name="engagement_manager"))  # leo may request and decide
    leo = type(people.leo).objects.get(pk=people.leo.pk)
    eng = make_engagement()
    req = approval_request(kind="ps_leadership", target=eng, content_hash=H1, requester=leo)
    audits = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="someone else must decide"):
        approval_decide(request_id=req.pk, decider=leo, approve=True, content_hash=H1)
    assert ApprovalDecision.objects.count() == 0
    assert AuditEvent.objects.count() == audits


def test_a_decision_on_an_outdated_hash_is_refused_with_409(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    req = approval_request(kind="revenue", target=eng, content_hash=H1, requester=people.erin)
    with pytest.raises(Conflict) as exc:
        approval_decide(request_id=req.pk, decider=people.rita, approve=True, content_hash=H2)
    assert exc.value.status == 409 and exc.value.code == "stale_hash"
    req.refresh_from_db()
    assert req.status == ApprovalStatus.PENDING
    assert ApprovalDecision.objects.count() == 0


def test_a_request_is_decided_once(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    req = approval_request(kind="revenue", target=eng, content_hash=H1, requester=people.erin)
    approval_decide(request_id=req.pk, decider=people.rita, approve=False, content_hash=H1, comment="price")
    with pytest.raises(Conflict, match="already rejected"):
        approval_decide(request_id=req.pk, decider=people.rita, approve=True, content_hash=H1)
    assert ApprovalDecision.objects.count() == 1


def test_a_changed_hash_invalidates_approvals_made_on_the_old_one(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    r1 = approval_request(kind="ps_leadership", target=eng, content_hash=H1, requester=people.erin)
    approval_decide(request_id=r1.pk, decider=people.leo, approve=True, content_hash=H1)
    pending = approval_request(kind="revenue", target=eng, content_hash=H1, requester=people.erin)
    assert set(approvals_current(eng, H1)) == {"ps_leadership"}
    assert approvals_current(eng, H2) == {}
    assert approvals_invalidate(target=eng, content_hash=H2, actor=people.erin) == 2
    r1.refresh_from_db()
    pending.refresh_from_db()
    assert (r1.status, pending.status) == (ApprovalStatus.SUPERSEDED, ApprovalStatus.SUPERSEDED)
    assert approvals_current(eng, H1) == {}
    ev = AuditEvent.objects.latest("seq")
    assert (ev.verb, ev.after) == ("approvals.superseded", {"requests": [r1.pk, pending.pk], "current_hash": H2})
    with pytest.raises(Conflict, match="content changed"):
        approval_decide(request_id=pending.pk, decider=people.rita, approve=True, content_hash=H1)


def test_requesting_again_on_a_new_hash_supersedes_the_old_request_of_that_kind(
    people: Any, make_engagement: Any
) -> None:
    eng = make_engagement()
    old = approval_request(kind="legal_stamp", target=eng, content_hash=H1, requester=people.erin)
    same = approval_request(kind="legal_stamp", target=eng, content_hash=H1, requester=people.erin)
    assert same.pk == old.pk
    new = approval_request(kind="legal_stamp", target=eng, content_hash=H2, requester=people.alice)
    old.refresh_from_db()
    assert old.status == ApprovalStatus.SUPERSEDED
    assert [r.pk for r in approval_list(eng)] == [new.pk, old.pk]


def test_roles_without_the_request_permission_may_not_request(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    for user in ["tara", "leo", "rita", "olga", "cody"]:
        with pytest.raises(PermissionDenied):
            approval_request(kind="revenue", target=eng, content_hash=H1, requester=people[user])
    assert ApprovalRequest.objects.count() == 0


def test_bad_kinds_hashes_and_ids_are_refused(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    with pytest.raises(ValidationFailed):
        approval_request(kind="vp_sales", target=eng, content_hash=H1, requester=people.erin)
    with pytest.raises(ValidationFailed):
        approval_request(kind="revenue", target=eng, content_hash="", requester=people.erin)
    with pytest.raises(NotFound):
        approval_decide(request_id=999, decider=people.rita, approve=True, content_hash=H1)


def test_requests_and_decisions_notify(people: Any, make_engagement: Any, _quiet: list[dict[str, Any]]) -> None:
    eng = make_engagement()
    req = approval_request(kind="revenue", target=eng, content_hash=H1, requester=people.erin)
    approval_decide(request_id=req.pk, decider=people.rita, approve=True, content_hash=H1)
    assert [(c["event"], c["target"].pk) for c in _quiet] == [
        ("approval.requested", eng.pk),
        ("approval.decided", eng.pk),
    ]
    assert _quiet[1]["recipients"] == [people.erin]
