"""TA review and RDM review each have one record, and every path that offers "approve" writes it,
so the next board move is allowed afterwards: the card's Approvals panel (drawer), the estimate page,
the API and the CLI for the TA review (record: the estimate version's TA review, read by the
`start_sow` guard); the drawer's label move, the Approvals panel, the API and the CLI for the RDM
review (record: the `RDM::` label, read by the `submit_for_approval` guard)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from psdesk.board.approval_state import engagement_approval_states
from psdesk.board.services import engagement_approval_request, engagement_transition
from psdesk.board.workflow import ENGAGEMENT_WORKFLOW
from psdesk.core.errors import BadRequest, TransitionNotAllowed, ValidationFailed
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.labels import label_move
from psdesk.engagements.models import Engagement, EngagementLabel
from psdesk.estimates.services import estimate_review_record
from psdesk.estimates.testing import estimate_seed_agreed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: Any) -> None:
    import psdesk.notifications.services as ns

    monkeypatch.setattr(ns, "notify", lambda **kw: None)


def _client(people: Any, username: str) -> Client:
    c = Client()
    c.force_login(people[username])
    return c


def _state(eng: Engagement, kind: str) -> str:
    return next(a.state for a in engagement_approval_states(eng) if a.kind == kind)


# --- TA review ---------------------------------------------------------------------------------
def _ta_by_drawer(people: Any, eng: Engagement, version_id: int) -> None:
    r = _client(people, "tara").post(f"/engagements/{eng.pk}/ta-review/approve", {"version_id": version_id})
    assert r.status_code == 302


def _ta_by_estimate_page(people: Any, eng: Engagement, version_id: int) -> None:
    r = _client(people, "tara").post(
        f"/estimates/engagements/{eng.pk}/versions/{version_id}/review", {"decision": "approved"}
    )
    assert r.status_code == 302


def _ta_by_api(people: Any, eng: Engagement, version_id: int, api: Any = None) -> None:
    assert api is not None
    r = api("tara").post(f"/api/v1/estimates/versions/{version_id}/reviews", {"decision": "approved"})
    assert r.status_code == 201, r.content


def _ta_by_cli(people: Any, eng: Engagement, version_id: int) -> None:
    call_command("estimate", "review", str(version_id), "approved", "--as", "tara", stdout=StringIO())


def _ta_by_service(people: Any, eng: Engagement, version_id: int) -> None:
    estimate_review_record(version_id=version_id, actor=people.tara, decision="approved")


TA_PATHS: dict[str, Callable[..., None]] = {
    "card drawer (Approvals panel)": _ta_by_drawer,
    "estimate page": _ta_by_estimate_page,
    "API": _ta_by_api,
    "CLI": _ta_by_cli,
    "service": _ta_by_service,
}


@pytest.mark.parametrize("path", list(TA_PATHS))
def test_every_path_that_offers_ta_approval_makes_start_sow_allowed(
    path: str, people: Any, make_engagement: Any, api: Any
) -> None:
    eng = make_engagement(at=S.ESTIMATE_FEEDBACK)
    v = estimate_seed_agreed(eng, price=Decimal("60000.00"))
    with pytest.raises(TransitionNotAllowed, match="a Technical Architect must approve v1"):
        engagement_transition(engagement_id=eng.pk, action="start_sow", actor=people.erin)
    assert _state(eng, "ta_review") == "pending"

    fn = TA_PATHS[path]
    if path == "API":
        fn(people, eng, v.pk, api=api)
    else:
        fn(people, eng, v.pk)

    assert _state(eng, "ta_review") == "approved"  # what the card shows ...
    assert EngagementLabel.objects.get(engagement=eng, scope="TA").name == "TA::Approved"
    engagement_transition(engagement_id=eng.pk, action="start_sow", actor=people.erin)  # ... is what the guard reads
    assert Engagement.objects.get(pk=eng.pk).state == S.SOW_WIP


def test_the_drawer_offers_the_ta_approval_of_the_version_that_needs_it(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(at=S.ESTIMATE_FEEDBACK)
    v = estimate_seed_agreed(eng, price=Decimal("60000.00"))
    html = _client(people, "tara").get(f"/engagements/{eng.pk}/").content.decode()
    assert f'name="version_id" value="{v.pk}"' in html and "Approve v1" in html
    assert "Approve v1" not in _client(people, "erin").get(f"/engagements/{eng.pk}/").content.decode()


def test_a_ta_approval_is_neither_a_label_move_nor_an_approval_request(people: Any, make_engagement: Any) -> None:
    eng = make_engagement(at=S.ESTIMATE_FEEDBACK)
    estimate_seed_agreed(eng, price=Decimal("60000.00"))
    with pytest.raises(BadRequest, match="A TA approves by reviewing the estimate version"):
        label_move(engagement_id=eng.pk, scope="TA", action="approve", actor=people.tara)
    with pytest.raises(ValidationFailed, match="TA review of an engagement is not an approval request"):
        engagement_approval_request(engagement=eng, kind="ta_review", requester=people.erin)


def test_asking_for_ta_review_again_after_an_approval_refuses_start_sow_until_a_new_approval(
    people: Any, make_engagement: Any
) -> None:
    eng = make_engagement(at=S.ESTIMATE_FEEDBACK)
    v = estimate_seed_agreed(eng, price=Decimal("60000.00"))
    estimate_review_record(version_id=v.pk, actor=people.tara, decision="approved")
    assert _state(eng, "ta_review") == "approved"

    label_move(engagement_id=eng.pk, scope="TA", action="reopen", actor=people.erin)
    assert _state(eng, "ta_review") == "pending"  # what the card shows ...
    with pytest.raises(TransitionNotAllowed, match="a Technical Architect must approve v1"):
        engagement_transition(engagement_id=eng.pk, action="start_sow", actor=people.erin)  # ... the guard reads

    estimate_review_record(version_id=v.pk, actor=people.tara, decision="approved")
    assert _state(eng, "ta_review") == "approved"
    engagement_transition(engagement_id=eng.pk, action="start_sow", actor=people.erin)
    assert Engagement.objects.get(pk=eng.pk).state == S.SOW_WIP


def test_a_ta_review_asked_for_below_the_threshold_is_required_and_offered_in_the_drawer(
    people: Any, make_engagement: Any
) -> None:
    eng = make_engagement(at=S.ESTIMATE_FEEDBACK)
    v = estimate_seed_agreed(eng, price=Decimal("20000.00"))
    assert _state(eng, "ta_review") == "not_required"
    label_move(engagement_id=eng.pk, scope="TA", action="request_review", actor=people.erin)

    assert _state(eng, "ta_review") == "pending"
    with pytest.raises(TransitionNotAllowed, match="A TA review of estimate v1 was asked for"):
        engagement_transition(engagement_id=eng.pk, action="start_sow", actor=people.erin)
    assert "Approve v1" in _client(people, "tara").get(f"/engagements/{eng.pk}/").content.decode()

    _ta_by_drawer(people, eng, v.pk)
    assert EngagementLabel.objects.get(engagement=eng, scope="TA").name == "TA::Approved"
    engagement_transition(engagement_id=eng.pk, action="start_sow", actor=people.erin)
    assert Engagement.objects.get(pk=eng.pk).state == S.SOW_WIP


# --- RDM review --------------------------------------------------------------------------------
@pytest.fixture
def only_rdm_guard(monkeypatch: Any) -> None:
    """Only the RDM guard on submit_for_approval (the SOW guards are the sows app's tests)."""
    move = ENGAGEMENT_WORKFLOW.move("submit_for_approval")
    monkeypatch.setattr(move, "guards", [g for g in move.guards if g.__name__ == "rdm_approved_refusal"])


def _rdm_by_drawer_label_move(people: Any, eng: Engagement, api: Any) -> None:
    r = _client(people, "rory").post(f"/engagements/{eng.pk}/labels/move", {"scope": "RDM", "action": "approve"})
    assert r.status_code == 302


def _rdm_by_approvals_panel(people: Any, eng: Engagement, api: Any) -> None:
    html = _client(people, "rory").get(f"/engagements/{eng.pk}/").content.decode()
    row = html[html.index('data-kind="rdm_review"') :].split("</tr>")[0]
    assert f'action="/engagements/{eng.pk}/labels/move"' in row and "Approve" in row
    _rdm_by_drawer_label_move(people, eng, api)  # the panel's button posts the same form


def _rdm_by_api(people: Any, eng: Engagement, api: Any) -> None:
    r = api("rory").post(f"/api/v1/engagements/{eng.pk}/labels/moves", {"scope": "RDM", "action": "approve"})
    assert r.status_code == 200, r.content


def _rdm_by_cli(people: Any, eng: Engagement, api: Any) -> None:
    call_command("approval", "label", str(eng.pk), "RDM", "approve", "--as", "rory", stdout=StringIO())


RDM_PATHS: dict[str, Callable[..., None]] = {
    "card drawer label move": _rdm_by_drawer_label_move,
    "card Approvals panel": _rdm_by_approvals_panel,
    "API": _rdm_by_api,
    "CLI": _rdm_by_cli,
}


@pytest.mark.parametrize("path", list(RDM_PATHS))
def test_every_path_that_offers_rdm_approval_makes_submit_for_approval_allowed(
    path: str, people: Any, make_engagement: Any, api: Any, only_rdm_guard: None
) -> None:
    eng = make_engagement(at=S.SOW_WIP)
    _client(people, "erin").post(f"/engagements/{eng.pk}/labels/move", {"scope": "RDM", "action": "request_review"})
    assert _state(eng, "rdm_review") == "pending"
    with pytest.raises(TransitionNotAllowed, match="An RDM must approve first"):
        engagement_transition(engagement_id=eng.pk, action="submit_for_approval", actor=people.erin)

    RDM_PATHS[path](people, eng, api)

    assert _state(eng, "rdm_review") == "approved"  # what the card shows is what the guard reads
    engagement_transition(engagement_id=eng.pk, action="submit_for_approval", actor=people.erin)
    assert Engagement.objects.get(pk=eng.pk).state == S.READY_FOR_APPROVAL


def test_an_rdm_review_is_not_an_approval_request(people: Any, make_engagement: Any, api: Any) -> None:
    eng = make_engagement(at=S.SOW_WIP)
    r = api("erin").post(f"/api/v1/engagements/{eng.pk}/approvals", {"kind": "rdm_review"})
    assert r.status_code == 422
    assert "RDM review of an engagement is not an approval request" in r.json()["message"]
