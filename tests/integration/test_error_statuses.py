"""The README's error contract at the seams: 403 when the role lacks a move's permission (the drawer
keeps the reason), 409 `stale_hash` when a decision is made on content that changed since."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.approvals.services import approval_request
from psdesk.audit.models import AuditEvent
from psdesk.board.approval_state import engagement_content_hash
from psdesk.board.workflow import ENGAGEMENT_WORKFLOW
from psdesk.core.workflow import MoveContext
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: Any) -> None:
    import psdesk.notifications.services as ns

    monkeypatch.setattr(ns, "notify", lambda **kw: None)


def test_a_board_move_the_role_may_not_make_is_403_with_the_reason(api: Any, people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    n = AuditEvent.objects.count()
    r = api("alice").post(f"/api/v1/engagements/{eng.pk}/transitions", {"action": "triage"})
    assert r.status_code == 403, r.content
    assert r.json()["code"] == "forbidden"
    assert r.json()["message"].startswith("You do not have permission to '")
    eng.refresh_from_db()
    assert (eng.state, eng.version, AuditEvent.objects.count()) == (S.OPEN, 0, n)
    # The drawer's "why not" reads the same reason.
    assert ENGAGEMENT_WORKFLOW.refusal(eng, "triage", MoveContext(actor=people.alice)) == r.json()["message"]


def test_a_decision_on_an_outdated_request_is_409_stale_hash_even_with_the_requests_hash(
    api: Any, people: Any, make_engagement: Any
) -> None:
    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    old = engagement_content_hash(eng)
    req = approval_request(kind="revenue", target=eng, content_hash=old, requester=people.erin)
    Engagement.objects.filter(pk=eng.pk).update(description="scope changed after the request")
    eng.refresh_from_db()
    current = engagement_content_hash(eng)
    assert current != old
    n = AuditEvent.objects.count()
    r = api("rita").post(
        f"/api/v1/engagements/{eng.pk}/approvals/{req.pk}/decision", {"approve": True, "content_hash": old}
    )
    assert r.status_code == 409, r.content
    assert r.json()["code"] == "stale_hash"
    assert r.json()["details"] == {
        "request_hash": old,
        "given_hash": old,
        "status": "pending",
        "current_hash": current,
    }
    assert ApprovalRequest.objects.get(pk=req.pk).status == "pending"
    assert not ApprovalDecision.objects.exists()
    assert AuditEvent.objects.count() == n
