"""The request workflow: every (state, move) pair, and its generated diagram."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import NotFound, PermissionDenied, TransitionNotAllowed
from psdesk.training.choices import RequestStatus as S
from psdesk.training.models import Session, TrainingRequest
from psdesk.training.services import request_transition
from psdesk.training.workflow import REQUEST_WORKFLOW

ALLOWED: dict[str, dict[str, str]] = {
    S.REQUESTED: {"complete_tasks": S.TASKS_COMPLETE, "cancel": S.CANCELLED},
    S.TASKS_COMPLETE: {"reopen_tasks": S.REQUESTED, "start_planning": S.PLANNING, "cancel": S.CANCELLED},
    S.PLANNING: {"cancel": S.CANCELLED},  # schedule goes through request_schedule
    S.SCHEDULED: {"deliver": S.DELIVERED, "cancel": S.CANCELLED},
    S.DELIVERED: {"close": S.CLOSED},
    S.CLOSED: {},
    S.CANCELLED: {},
}
ACTIONS = [a for a in REQUEST_WORKFLOW.moves if a != "schedule"]


def test_the_table_covers_every_state_and_the_definition_agrees() -> None:
    assert set(ALLOWED) == set(S.values)
    for state, moves in ALLOWED.items():
        defined = {m.action for m in REQUEST_WORKFLOW.actions_from(state)} - {"schedule"}
        assert defined == set(moves), state
    assert REQUEST_WORKFLOW.moves["schedule"].sources == frozenset({S.PLANNING})


def test_every_state_and_move(people: Any, make_trainer_request: Any, course: Any) -> None:
    """One request per (state, move) pair: allowed moves land on their target with an audit row;
    refused ones raise TransitionNotAllowed and change nothing."""
    past = Session.objects.create(
        course=course,
        starts_at=datetime(2026, 11, 20, 9, tzinfo=UTC),
        ends_at=datetime(2026, 11, 20, 17, tzinfo=UTC),
        timezone="UTC",
    )
    for state in S.values:
        for action in ACTIONS:
            req = make_trainer_request()
            req.sessions.add(past)
            TrainingRequest.objects.filter(pk=req.pk).update(status=state)
            audits = AuditEvent.objects.count()
            expected = ALLOWED[state].get(action)
            if expected is None:
                with pytest.raises(TransitionNotAllowed):
                    request_transition(request_id=req.pk, action=action, actor=people.paula, reason="r")
                req.refresh_from_db()
                assert (req.status, req.version) == (state, 0), (state, action)
                assert AuditEvent.objects.count() == audits, (state, action)
            else:
                applied = request_transition(request_id=req.pk, action=action, actor=people.paula, reason="r")
                assert applied.target == expected, (state, action)
                req.refresh_from_db()
                assert (req.status, req.version) == (expected, 1), (state, action)
                ev = AuditEvent.objects.get(verb=f"training.{action}", target_id=str(req.pk))
                assert ev.before == {"status": state} and ev.after["status"] == expected


def test_schedule_by_hand_is_refused_with_a_pointer_to_the_schedule_form(
    people: Any, make_trainer_request: Any
) -> None:
    from psdesk.core.errors import ValidationFailed

    req = make_trainer_request()
    with pytest.raises(ValidationFailed):
        request_transition(request_id=req.pk, action="schedule", actor=people.paula)


def test_delivery_waits_until_the_sessions_have_ended(
    people: Any, make_trainer_request: Any, course: Any, frozen_clock: Any
) -> None:
    req = make_trainer_request()
    s = Session.objects.create(
        course=course,
        starts_at=frozen_clock.at + timedelta(days=1),
        ends_at=frozen_clock.at + timedelta(days=1, hours=8),
        timezone="UTC",
    )
    req.sessions.add(s)
    TrainingRequest.objects.filter(pk=req.pk).update(status=S.SCHEDULED)
    with pytest.raises(TransitionNotAllowed, match="has not ended yet"):
        request_transition(request_id=req.pk, action="deliver", actor=people.paula)
    frozen_clock.advance(days=2)
    assert request_transition(request_id=req.pk, action="deliver", actor=people.paula).target == S.DELIVERED


def test_only_the_requester_or_a_coordinator_completes_tasks_or_cancels(people: Any, make_trainer_request: Any) -> None:
    req = make_trainer_request()
    for who in ("erin", "olga"):
        with pytest.raises(NotFound):  # they cannot even see it
            request_transition(request_id=req.pk, action="cancel", actor=people[who], reason="no")
    assert TrainingRequest.objects.get(pk=req.pk).status == S.REQUESTED
    assert request_transition(request_id=req.pk, action="complete_tasks", actor=people.tom).target == S.TASKS_COMPLETE


def test_a_team_member_cannot_start_planning(people: Any, make_trainer_request: Any) -> None:
    req = make_trainer_request()
    request_transition(request_id=req.pk, action="complete_tasks", actor=people.tom)
    with pytest.raises(PermissionDenied, match="permission"):
        request_transition(request_id=req.pk, action="start_planning", actor=people.tom)


def test_the_generated_diagram_names_every_move() -> None:
    md = REQUEST_WORKFLOW.mermaid()
    for action in REQUEST_WORKFLOW.moves:
        assert action in md
