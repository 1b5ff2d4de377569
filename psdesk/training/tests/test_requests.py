"""Creating requests, the requestor checklist and the manager's approval."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.notifications.models import Notification
from psdesk.training.links import approval_link_path
from psdesk.training.models import TrainingRequest
from psdesk.training.selectors import request_tasks
from psdesk.training.services import audit_approval_decide, audit_request_create, request_transition


def test_a_team_lead_files_a_trainer_request_with_every_requestor_task_done(make_trainer_request: Any) -> None:
    req = make_trainer_request()
    assert req.status == "requested" and req.kind == "trainer"
    assert [(t.key, t.done) for t in request_tasks(req)] == [
        ("team", True),
        ("courses", True),
        ("audience", True),
        ("dates", True),
        ("delivery", True),
        ("justification", True),
    ]
    ev = AuditEvent.objects.get(verb="training.request_created", target_id=str(req.pk))
    assert ev.after == {"kind": "trainer", "courses": ["EDU-CICD"], "audience_size": 8}


def test_an_audience_over_the_class_size_without_splitting_is_refused_and_nothing_is_written(
    make_trainer_request: Any,
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_trainer_request(audience_size=20)
    assert exc.value.code == "over_capacity"
    assert exc.value.message == (
        "20 attendees exceed the class size of 12 for GitLab CI/CD Training; "
        "reduce the audience or split it into 2 sessions."
    )
    assert TrainingRequest.objects.count() == 0
    assert not AuditEvent.objects.filter(verb="training.request_created").exists()


def test_an_audience_over_the_class_size_is_accepted_when_split(make_trainer_request: Any) -> None:
    req = make_trainer_request(audience_size=20, split_sessions=True)
    assert req.audience_size == 20 and all(t.done for t in request_tasks(req))


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"preferred_start": date(2026, 11, 1)}, "preferred_start"),
        ({"preferred_end": date(2027, 1, 1), "preferred_start": date(2027, 2, 1)}, "preferred_end"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"delivery_mode": "onsite", "location": ""}, "location"),
        ({"courses": []}, "courses"),
        ({"audience_size": 0}, "audience_size"),
    ],
)
def test_bad_trainer_requests_are_refused_with_the_field(
    make_trainer_request: Any, kw: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        make_trainer_request(**kw)
    assert exc.value.details["field"] == field
    assert TrainingRequest.objects.count() == 0


def test_a_consulting_sku_is_not_a_course(make_trainer_request: Any) -> None:
    from decimal import Decimal

    from psdesk.catalog.models import Sku

    sku = Sku.objects.create(
        code="C-1",
        name="Implementation",
        category="Consulting",
        type="Implementation",
        price=Decimal(1),
        description="x",
    )
    with pytest.raises(ValidationFailed, match="Education course"):
        make_trainer_request(courses=[sku])


def test_an_audit_request_to_an_internal_only_session_is_refused(managed: Any, course: Any, make_session: Any) -> None:
    internal = make_session(audience="internal")
    with pytest.raises(ValidationFailed) as exc:
        audit_request_create(requester=managed.tom, course=course, desired_session_id=internal.pk)
    assert exc.value.code == "internal_only_session"
    assert TrainingRequest.objects.count() == 0


def test_an_audit_request_without_a_manager_is_refused(people: Any, course: Any, make_session: Any) -> None:
    s = make_session()
    with pytest.raises(ValidationFailed) as exc:
        audit_request_create(requester=people.tom, course=course, desired_session_id=s.pk)
    assert exc.value.code == "no_manager"


def test_an_audit_request_asks_the_manager_in_app_with_a_signed_link(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    s = make_session()
    req = make_audit_request(session=s, approve=False)
    assert (req.manager, req.manager_decision) == (managed.rory, "pending")
    note = Notification.objects.get(recipient=managed.rory, event="training.approval_requested")
    assert note.target_id == str(req.pk)
    assert note.body.startswith(f"Tom Turner asks to audit a training session (Training request #{req.pk} (Audit")
    assert "/r/training-approval/" in note.body
    assert [t.done for t in request_tasks(req)] == [True, True, False]
    with pytest.raises(TransitionNotAllowed, match="Manager approval"):
        request_transition(request_id=req.pk, action="complete_tasks", actor=managed.tom)


def test_manager_approval_by_someone_who_is_not_the_manager_is_refused_and_changes_nothing(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    req = make_audit_request(session=make_session(), approve=False)
    before = AuditEvent.objects.count()
    for who in ("tom", "erin", "paula", "leo"):
        with pytest.raises(PermissionDenied) as exc:
            audit_approval_decide(request_id=req.pk, actor=managed[who], approve=True)
        assert exc.value.code == "not_manager"
    req.refresh_from_db()
    assert req.manager_decision == "pending" and AuditEvent.objects.count() == before


def test_the_manager_approves_in_the_app_and_it_is_audited(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    req = make_audit_request(session=make_session(), approve=False)
    audit_approval_decide(request_id=req.pk, actor=managed.rory, approve=True)
    req.refresh_from_db()
    assert req.manager_decision == "approved"
    ev = AuditEvent.objects.get(verb="training.manager_approved", target_id=str(req.pk))
    assert (ev.actor, ev.before, ev.after) == (
        managed.rory,
        {"manager_decision": "pending"},
        {"manager_decision": "approved", "via": "app"},
    )
    assert request_transition(request_id=req.pk, action="complete_tasks", actor=managed.tom).target == "tasks_complete"
    with pytest.raises(Conflict) as exc:
        audit_approval_decide(request_id=req.pk, actor=managed.rory, approve=False, reason="changed my mind")
    assert (exc.value.code, exc.value.message) == ("decided", "This request was already approved.")
    req.refresh_from_db()
    assert req.manager_decision == "approved"


def test_a_rejection_needs_a_reason(managed: Any, make_audit_request: Any, make_session: Any) -> None:
    req = make_audit_request(session=make_session(), approve=False)
    with pytest.raises(ValidationFailed):
        audit_approval_decide(request_id=req.pk, actor=managed.rory, approve=False)
    audit_approval_decide(request_id=req.pk, actor=managed.rory, approve=False, reason="busy quarter")
    assert AuditEvent.objects.get(verb="training.manager_rejected").reason == "busy quarter"


def test_the_manager_approves_from_the_signed_link_without_logging_in(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    req = make_audit_request(session=make_session(), approve=False)
    c = Client()
    url = approval_link_path(req.pk, managed.rory.pk)
    assert url.startswith("/r/training-approval/")
    page = c.get(url)
    assert page.status_code == 200 and b"Pending" in page.content
    resp = c.post(url, {"decision": "approve"})
    assert resp.status_code == 200 and b"Approved" in resp.content
    ev = AuditEvent.objects.get(verb="training.manager_approved")
    assert ev.actor == managed.rory and ev.after["via"] == "link"


def test_a_forged_or_stale_approval_link_decides_nothing(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    from psdesk.accounts.models import Profile

    req = make_audit_request(session=make_session(), approve=False)
    c = Client()
    assert c.post(approval_link_path(req.pk, managed.rory.pk)[:-3] + "xx/", {"decision": "approve"}).status_code == 404
    # a link made out to someone else (e.g. a former manager) is refused
    wrong = c.post(approval_link_path(req.pk, managed.erin.pk), {"decision": "approve"})
    assert wrong.status_code == 422 and b"Only the requester&#x27;s manager" in wrong.content
    Profile.objects.filter(user=managed.tom).update(manager=managed.leo)
    stale = c.post(approval_link_path(req.pk, managed.rory.pk), {"decision": "approve"})
    assert stale.status_code == 422
    assert TrainingRequest.objects.get(pk=req.pk).manager_decision == "pending"


def test_requests_are_visible_to_the_requester_their_manager_and_coordinators_only(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    from psdesk.training.selectors import request_get

    req = make_audit_request(session=make_session(), approve=False)
    for who in ("tom", "rory", "paula", "eddie"):
        assert request_get(user=managed[who], request_id=req.pk) == req
    for who in ("erin", "olga", "cody"):
        with pytest.raises(NotFound):
            request_get(user=managed[who], request_id=req.pk)
