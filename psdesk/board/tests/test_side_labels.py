"""Every (current label, move) pair of every side-label workflow: allowed moves land with exactly one
audit row, refused ones raise 409 and change nothing. Plus permissions and the API."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import BadRequest, NotFound, PermissionDenied, TransitionNotAllowed
from psdesk.engagements.labels import (
    LABEL_WORKFLOWS,
    NONE,
    label_move,
)
from psdesk.engagements.models import EngagementLabel
from psdesk.engagements.services import engagement_label_set

pytestmark = pytest.mark.django_db

# Who makes each move in the table (a user holding its permission).
ACTOR_FOR_PERMISSION = {
    "engagements.move_engagement": "erin",
    "approvals.decide_ta_review": "tara",
    "approvals.decide_rdm_review": "rory",
}

# (scope, current label or "" for none, action) → expected label after the move. Everything else
# in the cross product must be refused.
EXPECTED: dict[tuple[str, str, str], str] = {
    ("TA", "", "request_review"): "TA::Needs-Review",
    ("TA", "TA::Approved", "reopen"): "TA::Needs-Review",
    ("Scoping", "", "request_assistance"): "Scoping::Needs_TA_Assistance",
    ("Scoping", "Scoping::TA_Assisted", "request_assistance"): "Scoping::Needs_TA_Assistance",
    ("Scoping", "Scoping::Needs_TA_Assistance", "assisted"): "Scoping::TA_Assisted",
    ("RDM", "", "request_review"): "RDM::needs-review",
    ("RDM", "RDM::needs-review", "approve"): "RDM::approved",
    ("RDM", "RDM::approved", "reopen"): "RDM::needs-review",
    ("EM_Status", "", "waiting"): "EM_Status::Waiting",
    ("EM_Status", "", "todo"): "EM_Status::ToDo",
    ("EM_Status", "EM_Status::ToDo", "waiting"): "EM_Status::Waiting",
    ("EM_Status", "EM_Status::Waiting", "todo"): "EM_Status::ToDo",
}
for _label in LABEL_WORKFLOWS["Segment"].labels:
    for _current in ["", *LABEL_WORKFLOWS["Segment"].labels]:
        for _m in LABEL_WORKFLOWS["Segment"].moves:
            if _m.target != _current:
                EXPECTED[("Segment", _current, _m.action)] = _m.target

CASES = [
    (scope, current, m.action)
    for scope, wf in LABEL_WORKFLOWS.items()
    for current in [NONE, *wf.labels]
    for m in wf.moves
    # keep the Segment cross product small: every move from none and from one segment, every
    # segment's own move from itself (refused)
    if scope != "Segment" or current in ("", "Segment::SMB") or m.target == current
]


@pytest.fixture
def sent(monkeypatch: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    import psdesk.notifications.services as ns

    monkeypatch.setattr(ns, "notify", lambda **kw: calls.append(kw))
    return calls


@pytest.mark.parametrize(("scope", "current", "action"), CASES)
def test_every_side_label_and_move_pair(
    scope: str, current: str, action: str, people: Any, make_engagement: Any, sent: list[Any]
) -> None:
    eng = make_engagement()
    if current:
        engagement_label_set(engagement=eng, label=current, actor=people.erin)
    move = LABEL_WORKFLOWS[scope].move(action)
    actor = people[ACTOR_FOR_PERMISSION[move.permission]]
    audits = AuditEvent.objects.count()
    expected = EXPECTED.get((scope, current, action))
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            label_move(engagement_id=eng.pk, scope=scope, action=action, actor=actor)
        assert list(EngagementLabel.objects.filter(engagement=eng, scope=scope).values_list("name", flat=True)) == (
            [current] if current else []
        )
        assert AuditEvent.objects.count() == audits
        assert sent == []
    else:
        label_move(engagement_id=eng.pk, scope=scope, action=action, actor=actor, reason="why")
        assert list(EngagementLabel.objects.filter(engagement=eng, scope=scope).values_list("name", flat=True)) == [
            expected
        ]
        ev = AuditEvent.objects.latest("seq")
        assert AuditEvent.objects.count() == audits + 1
        assert (ev.verb, ev.actor_id, ev.before, ev.after, ev.reason) == (
            "engagements.label_set",
            actor.pk,
            {"label": current or None},
            {"label": expected},
            "why",
        )
        assert [c["event"] for c in sent] == ([move.notify] if move.notify else [])


@pytest.mark.parametrize(
    ("scope", "current", "action", "user"),
    [
        ("TA", "", "request_review", "tara"),  # asking for TA review is the EM's move
        ("RDM", "RDM::needs-review", "approve", "erin"),
        ("RDM", "RDM::needs-review", "approve", "tara"),
        ("Scoping", "Scoping::Needs_TA_Assistance", "assisted", "erin"),
        ("EM_Status", "", "todo", "tara"),
        ("Segment", "", "set_smb", "alice"),
    ],
)
def test_a_move_without_its_permission_is_refused_and_nothing_changes(
    scope: str, current: str, action: str, user: str, people: Any, make_engagement: Any
) -> None:
    eng = make_engagement()
    if current:
        engagement_label_set(engagement=eng, label=current, actor=people.erin)
    audits = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        label_move(engagement_id=eng.pk, scope=scope, action=action, actor=people[user])
    assert AuditEvent.objects.count() == audits


def test_unknown_scopes_and_actions_are_bad_requests(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    with pytest.raises(BadRequest):
        label_move(engagement_id=eng.pk, scope="proposal", action="x", actor=people.erin)
    with pytest.raises(BadRequest):
        label_move(engagement_id=eng.pk, scope="TA", action="fly", actor=people.erin)


def test_a_pubsec_card_is_not_found_for_a_non_member(people: Any, make_account: Any, make_engagement: Any) -> None:
    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    with pytest.raises(NotFound):
        label_move(engagement_id=eng.pk, scope="EM_Status", action="todo", actor=people.erin)
    label_move(engagement_id=eng.pk, scope="EM_Status", action="todo", actor=people.pat)


def test_the_single_colon_ta_spelling_counts_as_the_scoped_label(people: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    EngagementLabel.objects.create(engagement=eng, name="TA:Approved", scope="TA")  # imported as-is
    label_move(engagement_id=eng.pk, scope="TA", action="reopen", actor=people.erin)
    assert EngagementLabel.objects.filter(engagement=eng, scope="TA").get().name == "TA::Needs-Review"


def test_a_ta_approval_is_not_a_label_move_and_the_refusal_says_where_it_is_recorded(
    people: Any, make_engagement: Any
) -> None:
    eng = make_engagement()
    engagement_label_set(engagement=eng, label="TA::Needs-Review", actor=people.erin)
    with pytest.raises(BadRequest, match="A TA approves by reviewing the estimate version"):
        label_move(engagement_id=eng.pk, scope="TA", action="approve", actor=people.tara)
    assert EngagementLabel.objects.filter(engagement=eng, scope="TA").get().name == "TA::Needs-Review"


# --- API ---------------------------------------------------------------------------------------
def test_the_api_lists_labels_with_colours_and_the_moves_the_user_may_make(
    api: Any, make_engagement: Any, people: Any
) -> None:
    eng = make_engagement()
    engagement_label_set(engagement=eng, label="RDM::needs-review", actor=people.erin)
    body = api("rory").get(f"/api/v1/engagements/{eng.pk}/labels").json()
    assert body["labels"] == [{"name": "RDM::needs-review", "scope": "RDM", "colour": "#cc338b"}]
    assert body["moves"] == [{"scope": "RDM", "action": "approve", "label": "RDM approves", "target": "RDM::approved"}]


def test_an_rdm_approves_through_the_api(api: Any, make_engagement: Any, people: Any, sent: list[Any]) -> None:
    eng = make_engagement()
    engagement_label_set(engagement=eng, label="RDM::needs-review", actor=people.erin)
    r = api("rory").post(f"/api/v1/engagements/{eng.pk}/labels/moves", {"scope": "RDM", "action": "approve"})
    assert r.status_code == 200, r.content
    assert [lab["name"] for lab in r.json()["labels"]] == ["RDM::approved"]


@pytest.mark.parametrize(
    ("user", "status"),
    [("erin", 409), ("rory", 409), ("tara", 409), ("olga", 403), ("pat", 409)],
)
def test_a_refused_label_move_over_the_api_says_why(api: Any, make_engagement: Any, user: str, status: int) -> None:
    eng = make_engagement()
    r = api(user).post(f"/api/v1/engagements/{eng.pk}/labels/moves", {"scope": "RDM", "action": "approve"})
    assert r.status_code == status
    if status == 409:
        assert r.json()["message"] == (
            "'RDM approves' is not possible from no RDM:: label; it starts from RDM::needs-review."
        )


def test_pubsec_labels_are_invisible_to_non_members_over_the_api(
    api: Any, make_account: Any, make_engagement: Any
) -> None:
    eng = make_engagement(make_account("Agency", pubsec=True), em="pat")
    assert api("erin").get(f"/api/v1/engagements/{eng.pk}/labels").status_code == 404
    assert api("pat").get(f"/api/v1/engagements/{eng.pk}/labels").status_code == 200
