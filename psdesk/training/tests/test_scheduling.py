"""Scheduling: sessions with a free certified instructor, capacity, the 2-week rule, seats."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, TransitionNotAllowed, ValidationFailed
from psdesk.notifications.models import Notification
from psdesk.training.models import Registration, Session, TrainingRequest
from psdesk.training.services import SessionPlan, request_schedule, request_transition

from .conftest import MONDAY

BERLIN = ZoneInfo("Europe/Berlin")


def _to_planning(req: Any, people: Any) -> Any:
    request_transition(request_id=req.pk, action="complete_tasks", actor=people.tom)
    request_transition(request_id=req.pk, action="start_planning", actor=people.paula)
    return req


def _plan(course: Any, start: datetime = MONDAY, **kw: Any) -> SessionPlan:
    return SessionPlan(course_id=course.pk, starts_at=start, ends_at=start + timedelta(hours=8), **kw)


def test_scheduling_a_trainer_request_creates_a_session_with_a_free_certified_trainer_and_sends_links(
    people: Any, make_trainer_request: Any, course: Any, make_trainer: Any, trainer: Any
) -> None:
    busy = make_trainer("Abe Busy", courses=(course,))  # alphabetically first, but off that week
    from psdesk.scheduling.models import TimeOff

    TimeOff.objects.create(consultant=busy, starts_on=date(2027, 1, 4), ends_on=date(2027, 1, 8))
    make_trainer("Ann Uncertified")
    req = _to_planning(make_trainer_request(attendees=[people.tom, people.cody]), people)
    start = datetime(2027, 1, 4, 9, tzinfo=BERLIN)
    result = request_schedule(
        request_id=req.pk, actor=people.paula, plans=[_plan(course, start, timezone="Europe/Berlin")]
    )
    req.refresh_from_db()
    assert req.status == "scheduled" and req.late_reason == ""
    [s] = result.sessions
    assert (s.instructor, s.capacity, s.seats_taken, s.audience, s.timezone) == (
        trainer,
        12,
        2,
        "internal",
        "Europe/Berlin",
    )
    assert s.starts_at == datetime(2027, 1, 4, 8, tzinfo=UTC)
    assert list(req.sessions.all()) == [s]
    assert sorted(r.user.username for r in result.registrations) == ["cody", "tom"]
    assert {r.status for r in result.registrations} == {"confirmed"}
    assert Notification.objects.filter(event="training.registration_link").count() == 2
    assert Notification.objects.filter(event="training.scheduled", recipient=people.tom).count() == 1
    assert all(r.link_sent_at is not None for r in Registration.objects.all())
    assert AuditEvent.objects.filter(verb="training.schedule", target_id=str(req.pk)).count() == 1


def test_an_instructor_without_the_course_certification_is_refused(
    people: Any, make_trainer_request: Any, course: Any, make_trainer: Any
) -> None:
    other = make_trainer("Nina Nocert")
    req = _to_planning(make_trainer_request(), people)
    with pytest.raises(ValidationFailed) as exc:
        request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course, instructor_id=other.pk)])
    assert exc.value.code == "instructor_not_certified"
    assert exc.value.message == "Nina Nocert is not certified for GitLab CI/CD Training."
    assert Session.objects.count() == 0 and TrainingRequest.objects.get(pk=req.pk).status == "planning"


def test_a_consultant_who_is_not_a_trainer_is_refused_even_if_certified(
    people: Any, make_trainer_request: Any, course: Any, make_trainer: Any
) -> None:
    pse = make_trainer("Pete Engineer", role="PSE", courses=(course,))
    req = _to_planning(make_trainer_request(), people)
    with pytest.raises(ValidationFailed, match="not an active trainer"):
        request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course, instructor_id=pse.pk)])


@pytest.mark.parametrize("conflict", ["time_off", "other_session", "holiday", "allocation"])
def test_a_busy_instructor_is_refused(
    conflict: str, people: Any, make_trainer_request: Any, course: Any, trainer: Any, make_session: Any
) -> None:
    start = MONDAY
    if conflict == "time_off":
        from psdesk.scheduling.models import TimeOff

        TimeOff.objects.create(consultant=trainer, starts_on=date(2027, 1, 4), ends_on=date(2027, 1, 4))
        expect = "Tina Trainer is on time off 2027-01-04 to 2027-01-04."
    elif conflict == "other_session":
        make_session(starts_at=MONDAY + timedelta(hours=4), instructor=trainer)
        expect = "Tina Trainer already teaches GitLab CI/CD Training 2027-01-04 at that time."
    elif conflict == "holiday":
        start = datetime(2026, 12, 25, 9, tzinfo=UTC)  # Christmas Day, US holiday calendar
        expect = "Tina Trainer does not work on Fri 2026-12-25 (holiday or weekend)."
    else:
        from decimal import Decimal

        from psdesk.crm.models import Account
        from psdesk.scheduling.models import Allocation, QueueEntry

        entry = QueueEntry.objects.create(
            title="Acme", account=Account.objects.create(name="Acme"), closed_won_at=datetime(2026, 11, 1, tzinfo=UTC)
        )
        Allocation.objects.create(
            entry=entry,
            consultant=trainer,
            kind="hard",
            starts_on=date(2026, 12, 28),
            ends_on=date(2027, 1, 29),
            weekly_hours=Decimal("40"),
        )
        expect = "Tina Trainer is fully booked on delivery work then."
    req = _to_planning(make_trainer_request(), people)
    sessions = Session.objects.count()
    with pytest.raises(Conflict) as exc:
        request_schedule(
            request_id=req.pk,
            actor=people.paula,
            reason="late ok",
            plans=[_plan(course, start, instructor_id=trainer.pk)],
        )
    assert exc.value.code == "instructor_busy" and exc.value.message == expect
    assert Session.objects.count() == sessions
    assert TrainingRequest.objects.get(pk=req.pk).status == "planning"


def test_no_free_instructor_is_a_conflict_naming_the_course(
    people: Any, make_trainer_request: Any, course: Any, trainer: Any, make_session: Any
) -> None:
    make_session(instructor=trainer)
    req = _to_planning(make_trainer_request(), people)
    with pytest.raises(Conflict) as exc:
        request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course)])
    assert (exc.value.code, exc.value.message) == (
        "no_free_instructor",
        "No certified trainer for GitLab CI/CD Training is free then.",
    )


def test_a_session_in_the_past_is_refused(people: Any, make_trainer_request: Any, course: Any, trainer: Any) -> None:
    req = _to_planning(make_trainer_request(), people)
    with pytest.raises(ValidationFailed) as exc:
        request_schedule(
            request_id=req.pk,
            actor=people.paula,
            reason="r",
            plans=[_plan(course, datetime(2026, 11, 26, 9, tzinfo=UTC))],
        )
    assert exc.value.code == "session_in_past"
    assert Session.objects.count() == 0


def test_a_split_audience_needs_enough_sessions(
    people: Any, make_trainer_request: Any, course: Any, make_trainer: Any, trainer: Any
) -> None:
    make_trainer("Uma Second", courses=(course,))
    req = _to_planning(make_trainer_request(audience_size=20, split_sessions=True), people)
    with pytest.raises(ValidationFailed) as exc:
        request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course)])
    assert exc.value.message == "20 attendees need 2 session(s) of GitLab CI/CD Training (12 seats planned)."
    assert Session.objects.count() == 0
    result = request_schedule(
        request_id=req.pk, actor=people.paula, plans=[_plan(course), _plan(course, MONDAY + timedelta(days=1))]
    )
    assert [s.capacity for s in result.sessions] == [12, 12]
    # the same trainer teaches both days; the second trainer stays free
    assert {s.instructor.name for s in result.sessions if s.instructor} == {"Tina Trainer"}


def test_two_sessions_at_once_get_two_different_trainers(
    people: Any, make_trainer_request: Any, course: Any, make_trainer: Any, trainer: Any
) -> None:
    make_trainer("Uma Second", courses=(course,))
    req = _to_planning(make_trainer_request(audience_size=20, split_sessions=True), people)
    result = request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course), _plan(course)])
    assert sorted(s.instructor.name for s in result.sessions if s.instructor) == ["Tina Trainer", "Uma Second"]


def test_registration_links_within_two_weeks_need_a_reason(
    people: Any, make_trainer_request: Any, course: Any, trainer: Any, frozen_clock: Any
) -> None:
    req = _to_planning(make_trainer_request(attendees=[people.cody]), people)
    soon = datetime(2026, 12, 9, 9, tzinfo=UTC)  # 11 days 17 hours away
    audits = AuditEvent.objects.count()
    with pytest.raises(TransitionNotAllowed) as exc:
        request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course, soon)])
    assert exc.value.message == (
        "Registration links go out at least 14 days before the session; this session starts in 11 days. "
        "Give a reason to schedule it anyway."
    )
    assert (Session.objects.count(), Registration.objects.count(), AuditEvent.objects.count()) == (0, 0, audits)
    assert not Notification.objects.filter(event="training.registration_link").exists()
    from psdesk.notifications.models import OutboxMessage

    assert not OutboxMessage.objects.filter(event__startswith="training.").exists()
    request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course, soon)], reason="team offsite")
    req.refresh_from_db()
    assert (req.status, req.late_reason) == ("scheduled", "team offsite")
    [msg] = OutboxMessage.objects.filter(event="training.registration_link", destination="cody@psdesk.example")
    assert AuditEvent.objects.get(verb="training.schedule").reason == "team offsite"
    # the email carries the .ics invite, which parses back to the session's start
    import base64

    from icalendar import Calendar

    [att] = msg.payload["attachments"]
    assert (att["filename"], att["mimetype"]) == ("session.ics", "text/calendar")
    [event] = Calendar.from_ical(base64.b64decode(att["content_b64"])).walk("VEVENT")
    assert event.decoded("dtstart").astimezone(soon.tzinfo) == soon


def test_exactly_two_weeks_ahead_needs_no_reason_and_the_policy_is_editable(
    people: Any, make_trainer_request: Any, course: Any, trainer: Any, frozen_clock: Any
) -> None:
    from psdesk.training.models import TrainingPolicy

    req = _to_planning(make_trainer_request(), people)
    at = frozen_clock.at + timedelta(days=14)
    at = at.replace(hour=16) + timedelta(days=3)  # Monday 2026-12-14 16:00, 17 days away
    TrainingPolicy.objects.filter(id=1).update(registration_lead_days=21)
    with pytest.raises(TransitionNotAllowed, match="at least 21 days"):
        request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course, at)])
    TrainingPolicy.objects.filter(id=1).update(registration_lead_days=14)
    exact = frozen_clock.at + timedelta(days=17)  # Mon 2026-12-14 16:00 UTC: more than 14 days
    assert (
        request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course, exact)]).request.status
        == "scheduled"
    )


def test_scheduling_an_audit_request_confirms_a_seat_and_sends_the_link(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    s = make_session(capacity=3)
    req = make_audit_request(session=s)
    result = request_schedule(request_id=req.pk, actor=managed.paula)
    assert not result.waitlisted and result.request.status == "scheduled"
    [reg] = result.registrations
    assert (reg.user, reg.status, reg.request) == (managed.tom, "confirmed", req)
    s.refresh_from_db()
    assert (s.seats_taken, s.seats_left) == (1, 2)
    note = Notification.objects.get(event="training.registration_link", recipient=managed.tom)
    assert "/r/training/" in note.url


def test_an_audit_request_to_a_full_session_joins_the_waitlist_and_is_scheduled_when_a_seat_frees(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    from psdesk.training.services import registration_cancel, registration_create

    s = make_session(capacity=1)
    first = registration_create(session_id=s.pk, user=managed.erin, actor=managed.paula)
    req = make_audit_request(session=s)
    result = request_schedule(request_id=req.pk, actor=managed.paula)
    assert result.waitlisted and result.registrations[0].status == "waitlisted"
    assert TrainingRequest.objects.get(pk=req.pk).status == "planning"
    registration_cancel(registration_id=first.pk, actor=managed.erin)
    req.refresh_from_db()
    assert req.status == "scheduled" and list(req.sessions.all()) == [s]
    assert Registration.objects.get(pk=result.registrations[0].pk).status == "confirmed"
    assert Session.objects.get(pk=s.pk).seats_taken == 1
    assert AuditEvent.objects.filter(verb="training.registration_promoted").count() == 1


def test_an_audit_request_cannot_be_scheduled_into_an_internal_session(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    req = make_audit_request()
    internal = make_session(audience="internal")
    with pytest.raises(ValidationFailed) as exc:
        request_schedule(request_id=req.pk, actor=managed.paula, session_id=internal.pk)
    assert exc.value.code == "internal_only_session"
    assert Registration.objects.count() == 0


def test_cancelling_a_scheduled_trainer_request_releases_seats_and_its_empty_session(
    people: Any, make_trainer_request: Any, course: Any, trainer: Any
) -> None:
    req = _to_planning(make_trainer_request(attendees=[people.cody]), people)
    result = request_schedule(request_id=req.pk, actor=people.paula, plans=[_plan(course)])
    request_transition(request_id=req.pk, action="cancel", actor=people.tom, reason="team reorganised")
    s = Session.objects.get(pk=result.sessions[0].pk)
    assert (s.status, s.seats_taken) == ("cancelled", 0)
    assert Registration.objects.get().status == "cancelled"


def test_a_trainer_request_can_be_scheduled_into_an_existing_session(
    people: Any, make_trainer_request: Any, make_session: Any, trainer: Any
) -> None:
    s = make_session(audience="internal", instructor=trainer)
    req = _to_planning(make_trainer_request(attendees=[people.cody]), people)
    result = request_schedule(request_id=req.pk, actor=people.paula, plans=[SessionPlan(session_id=s.pk)])
    assert [x.pk for x in result.sessions] == [s.pk] and Session.objects.count() == 1
    assert Registration.objects.get().session == s and Session.objects.get(pk=s.pk).seats_taken == 1


def test_an_existing_session_without_room_for_the_audience_is_refused(
    people: Any, make_trainer_request: Any, make_session: Any
) -> None:
    s = make_session(audience="internal", capacity=4)
    req = _to_planning(make_trainer_request(), people)
    with pytest.raises(ValidationFailed, match=r"8 attendees need 1 session\(s\) of GitLab CI/CD Training \(4 seats"):
        request_schedule(request_id=req.pk, actor=people.paula, plans=[SessionPlan(session_id=s.pk)])
    assert TrainingRequest.objects.get(pk=req.pk).status == "planning"
