from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core import clock
from psdesk.core.errors import Conflict, TransitionNotAllowed, ValidationFailed
from psdesk.crm.services import opportunity_transition
from psdesk.notifications.models import OutboxMessage
from psdesk.projects import services
from psdesk.projects.choices import ChecklistKey
from psdesk.projects.choices import ProjectStatus as P
from psdesk.projects.models import Project
from psdesk.projects.selectors import welcome_timer
from psdesk.projects.workflow import PROJECT_WORKFLOW
from psdesk.sla.models import Calendar, SlaPolicy

pytestmark = pytest.mark.django_db


def _book(opportunity: Any, people: Any) -> Project:
    opportunity_transition(opportunity_id=opportunity.pk, action="forward_to_5_negotiating", actor=people.alice)
    opportunity_transition(opportunity_id=opportunity.pk, action="close_won", actor=people.alice)
    return Project.objects.get(opportunity=opportunity)


def _ready(project: Project, people: Any) -> None:
    services.contact_add(
        project_id=project.pk, name="Casey Customer", email="casey@acme.example", role="champion", actor=people.paula
    )
    for key in ChecklistKey.values:
        services.checklist_set(project_id=project.pk, key=key, done=True, actor=people.paula)


def test_stage_5_creates_a_prospect_project_and_closed_won_sets_it_up(opportunity: Any, people: Any) -> None:
    opportunity_transition(opportunity_id=opportunity.pk, action="forward_to_5_negotiating", actor=people.alice)
    project = Project.objects.get(opportunity=opportunity)
    assert (project.status, project.coordinator, project.target_margin) == (P.PROSPECT, people.paula, Decimal("0.4"))
    assert project.checklist.count() == len(ChecklistKey.values)
    with clock.frozen(datetime(2026, 11, 20, 15, 0, tzinfo=UTC)):
        opportunity_transition(opportunity_id=opportunity.pk, action="close_won", actor=people.alice)
    project.refresh_from_db()
    assert project.status == P.IN_SET_UP and project.booked_at == datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    timer = welcome_timer(project)
    assert timer is not None and timer.state == "running"
    assert AuditEvent.objects.filter(verb="projects.book", target_id=str(project.pk)).count() == 1


def test_closed_lost_cancels_the_prospect_project(opportunity: Any, people: Any) -> None:
    opportunity_transition(opportunity_id=opportunity.pk, action="forward_to_5_negotiating", actor=people.alice)
    opportunity_transition(opportunity_id=opportunity.pk, action="close_lost", actor=people.alice, reason="budget")
    assert Project.objects.get(opportunity=opportunity).status == P.CANCELLED


def test_welcome_deadline_skips_thanksgiving_on_the_new_york_calendar(opportunity: Any, people: Any) -> None:
    # Booked Wed 25 Nov 2026 10:00 New York; Thu 26 is Thanksgiving; Sat/Sun are off:
    # 14 h (Wed) + 24 h (Fri) + 24 h (Mon) + 10 h (Tue) = 72 h → Tue 1 Dec 10:00 New York.
    with clock.frozen(datetime(2026, 11, 25, 15, 0, tzinfo=UTC)):
        project = _book(opportunity, people)
    timer = welcome_timer(project)
    assert timer is not None and timer.due_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


def test_welcome_deadline_on_a_bavarian_calendar_skips_german_holidays(opportunity: Any, people: Any) -> None:
    bavaria = Calendar.objects.create(
        key="de-by", name="Germany (Bavaria)", country="DE", subdivision="BY", timezone="Europe/Berlin"
    )
    opportunity_transition(opportunity_id=opportunity.pk, action="forward_to_5_negotiating", actor=people.alice)
    Project.objects.filter(opportunity=opportunity).update(calendar=bavaria)
    # Booked Wed 30 Dec 2026 12:00 Berlin; 1 Jan and 6 Jan (Epiphany, Bavaria) are holidays:
    # 12 h (Wed 30) + 24 h (Thu 31) + 24 h (Mon 4) + 12 h (Tue 5) → Tue 5 Jan 12:00 Berlin.
    with clock.frozen(datetime(2026, 12, 30, 11, 0, tzinfo=UTC)):
        opportunity_transition(opportunity_id=opportunity.pk, action="close_won", actor=people.alice)
    timer = welcome_timer(Project.objects.get(opportunity=opportunity))
    assert timer is not None and timer.due_at == datetime(2027, 1, 5, 11, 0, tzinfo=UTC)


def test_welcome_deadline_in_working_hours_when_the_policy_says_so(opportunity: Any, people: Any) -> None:
    SlaPolicy.objects.filter(key="welcome_email").update(unit="working_hours", duration=Decimal(72))
    # 72 working hours of 8 (09:00-17:00 New York) = 9 working days from Mon 16 Nov 09:00, with
    # Thanksgiving (Thu 26) off: ends Fri 27 Nov 17:00 New York.
    with clock.frozen(datetime(2026, 11, 16, 14, 0, tzinfo=UTC)):
        project = _book(opportunity, people)
    timer = welcome_timer(project)
    assert timer is not None and timer.due_at == datetime(2026, 11, 27, 22, 0, tzinfo=UTC)


def test_sending_without_a_contact_is_refused_naming_what_is_missing(opportunity: Any, people: Any) -> None:
    project = _book(opportunity, people)
    with pytest.raises(ValidationFailed, match="No customer contact"):
        services.welcome_send(project_id=project.pk, actor=people.paula)
    assert not OutboxMessage.objects.filter(event="project.welcome").exists()
    with pytest.raises(ValidationFailed, match="not a valid email"):
        services.contact_add(project_id=project.pk, name="X", email="not-an-email", role="champion", actor=people.paula)


def test_the_welcome_email_reaches_a_real_smtp_server_once_with_cc(opportunity: Any, people: Any, smtp: Any) -> None:
    from psdesk.notifications.delivery import outbox_deliver_one

    inbox, _ = smtp
    project = _book(opportunity, people)
    _ready(project, people)
    email = services.welcome_send(project_id=project.pk, actor=people.paula)
    assert email.to == ["casey@acme.example"]
    assert set(email.cc) == {people.alice.email, people.leo.email}
    msg_id = email.outbox_message_id
    assert msg_id is not None
    outbox_deliver_one(message_id=msg_id)
    outbox_deliver_one(message_id=msg_id)  # a retry of a delivered message sends nothing
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert sorted(envelope.rcpt_tos) == sorted(["casey@acme.example", people.alice.email, people.leo.email])
    parsed = message_from_bytes(envelope.original_content, policy=policy.default)
    assert parsed["Subject"] == "Welcome to GitLab Professional Services — Acme Corp"
    assert parsed["Cc"] is not None and people.leo.email in parsed["Cc"]
    part = parsed.get_body()
    assert part is not None
    body = part.get_content()
    assert "GitLab Champion" in body and "Technical point of contact" in body and "Hello Casey Customer" in body
    timer = welcome_timer(project)
    assert timer is not None and timer.outcome == "met"


def test_a_second_send_needs_a_reason(opportunity: Any, people: Any) -> None:
    project = _book(opportunity, people)
    _ready(project, people)
    services.welcome_send(project_id=project.pk, actor=people.paula)
    with pytest.raises(Conflict, match="give a reason"):
        services.welcome_send(project_id=project.pk, actor=people.paula)
    assert OutboxMessage.objects.filter(event="project.welcome").count() == 1
    services.welcome_send(project_id=project.pk, actor=people.paula, resend_reason="customer lost it")
    assert OutboxMessage.objects.filter(event="project.welcome").count() == 2


def test_okay_to_start_needs_the_checklist_and_the_welcome(opportunity: Any, people: Any) -> None:
    project = _book(opportunity, people)
    with pytest.raises(TransitionNotAllowed, match="Finish the set-up checklist"):
        services.project_transition(project_id=project.pk, action="okay_to_start", actor=people.paula)
    _ready(project, people)
    with pytest.raises(TransitionNotAllowed, match="Send the welcome email"):
        services.project_transition(project_id=project.pk, action="okay_to_start", actor=people.paula)
    services.welcome_send(project_id=project.pk, actor=people.paula)
    services.project_transition(project_id=project.pk, action="okay_to_start", actor=people.paula)
    assert Project.objects.get(pk=project.pk).status == P.OKAY_TO_START


# Every (status, action) pair: expected target, or refused.
EXPECTED = {
    (P.PROSPECT, "book"): P.IN_SET_UP,
    (P.IN_SET_UP, "okay_to_start"): P.OKAY_TO_START,
    (P.OKAY_TO_START, "start"): P.ACTIVE,
    (P.ACTIVE, "close"): P.CLOSED,
    (P.CLOSED, "complete"): P.COMPLETED,
    (P.ON_HOLD, "resume"): P.IN_SET_UP,
    (P.BACKLOG, "resume"): P.IN_SET_UP,
}
for _s in (P.PROSPECT, P.IN_SET_UP, P.OKAY_TO_START, P.ACTIVE):
    EXPECTED[(_s, "hold")] = P.ON_HOLD
    EXPECTED[(_s, "backlog")] = P.BACKLOG
for _s in (P.PROSPECT, P.IN_SET_UP, P.OKAY_TO_START, P.ACTIVE, P.ON_HOLD, P.BACKLOG):
    EXPECTED[(_s, "cancel")] = P.CANCELLED


@pytest.mark.parametrize("status", list(PROJECT_WORKFLOW.states))
@pytest.mark.parametrize("action", list(PROJECT_WORKFLOW.moves))
def test_every_status_and_action_pair(status: Any, action: str, opportunity: Any, people: Any) -> None:
    project = services.project_create(opportunity=opportunity)
    Project.objects.filter(pk=project.pk).update(
        status=status,
        status_before_pause=P.IN_SET_UP if status in (P.ON_HOLD, P.BACKLOG) else "",
        welcome_sent_at=clock.now(),
    )
    project.checklist.update(done=True)
    # Complete also needs the close-out checklist (a guard psdesk.delivery adds to the move)
    from psdesk.delivery.choices import CloseOutKey
    from psdesk.delivery.models import CloseOutItem

    CloseOutItem.objects.bulk_create(CloseOutItem(project=project, key=k, done=True) for k in CloseOutKey.values)
    n = AuditEvent.objects.count()
    expected = EXPECTED.get((status, action))
    system = action == "book"
    if expected is None:
        with pytest.raises(TransitionNotAllowed):
            services.project_transition(
                project_id=project.pk, action=action, actor=people.paula, reason="r", system=system
            )
        assert Project.objects.get(pk=project.pk).status == status and AuditEvent.objects.count() == n
    else:
        services.project_transition(project_id=project.pk, action=action, actor=people.paula, reason="r", system=system)
        assert Project.objects.get(pk=project.pk).status == expected
        assert AuditEvent.objects.filter(verb=f"projects.{action}").count() == 1


def test_asking_the_account_team_for_contacts_is_tracked_and_resolved(opportunity: Any, people: Any) -> None:
    from psdesk.notifications.models import Notification

    project = _book(opportunity, people)
    first = services.contacts_request(project_id=project.pk, actor=people.paula)
    assert services.contacts_request(project_id=project.pk, actor=people.paula).pk == first.pk
    assert Notification.objects.filter(recipient=people.alice, event="project.contacts_requested").count() == 1
    services.contact_add(
        project_id=project.pk, name="Dana", email="dana@acme.example", role="administrator", actor=people.paula
    )
    first.refresh_from_db()
    assert first.resolved_at is not None


def test_the_psa_gets_the_project_and_each_status_through_the_outbox(opportunity: Any, people: Any) -> None:
    from psdesk.notifications.delivery import outbox_deliver_one

    project = _book(opportunity, people)
    msgs = list(OutboxMessage.objects.filter(target="psa").order_by("id"))
    assert [(m.operation, m.payload.get("status")) for m in msgs] == [
        ("project_create", None),
        ("project_status_set", "in_set_up"),
    ]
    assert msgs[0].payload["ref"] == msgs[1].payload["project_id"] == f"psdesk:project:{project.pk}"
    for m in msgs:  # the built-in PSA (the default adapter) accepts them
        assert outbox_deliver_one(message_id=m.pk).result == "sent"


def test_backlog_is_suggested_when_set_up_outlasts_the_policy(opportunity: Any, people: Any) -> None:
    from datetime import timedelta

    from psdesk.projects.selectors import backlog_suggested

    with clock.frozen(datetime(2026, 10, 1, 12, 0, tzinfo=UTC)):
        project = _book(opportunity, people)
    assert backlog_suggested(project, now=datetime(2026, 10, 30, 12, 0, tzinfo=UTC)) is False
    assert backlog_suggested(project, now=datetime(2026, 10, 31, 12, 1, tzinfo=UTC)) is True
    from psdesk.projects.models import ProjectsPolicy

    ProjectsPolicy.objects.update(backlog_after_days=60)
    assert backlog_suggested(project, now=datetime(2026, 10, 31, 12, 1, tzinfo=UTC) + timedelta(days=1)) is False
