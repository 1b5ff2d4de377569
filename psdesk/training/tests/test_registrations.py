"""Registrations: seats, waitlist, double registration, the signed link, the .ics, self-cancel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.training.links import registration_link_path
from psdesk.training.models import Registration, Session
from psdesk.training.services import registration_cancel, registration_create


def test_a_full_session_puts_the_next_person_on_the_waitlist_not_an_error(people: Any, make_session: Any) -> None:
    s = make_session(audience="internal", capacity=2)
    regs = [
        registration_create(session_id=s.pk, user=people[u], actor=people[u]) for u in ("tom", "cody", "erin", "sam")
    ]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    s.refresh_from_db()
    assert (s.seats_taken, s.seats_left) == (2, 0)
    from psdesk.training.selectors import waitlist_position

    assert [waitlist_position(r) for r in regs] == [None, None, 1, 2]


def test_double_registration_is_refused_and_writes_nothing(people: Any, make_session: Any) -> None:
    s = make_session(audience="internal")
    registration_create(session_id=s.pk, user=people.tom, actor=people.tom)
    audits = AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        registration_create(session_id=s.pk, user=people.tom, actor=people.paula)
    assert (exc.value.code, exc.value.message) == ("already_registered", "tom is already registered for this session.")
    assert Registration.objects.count() == 1 and Session.objects.get(pk=s.pk).seats_taken == 1
    assert AuditEvent.objects.count() == audits


def test_cancelling_a_confirmed_seat_promotes_the_first_on_the_waitlist(people: Any, make_session: Any) -> None:
    s = make_session(audience="internal", capacity=1)
    a = registration_create(session_id=s.pk, user=people.tom, actor=people.tom)
    b = registration_create(session_id=s.pk, user=people.cody, actor=people.cody)
    c = registration_create(session_id=s.pk, user=people.erin, actor=people.erin)
    registration_cancel(registration_id=a.pk, actor=people.tom, reason="conflict")
    assert [Registration.objects.get(pk=r.pk).status for r in (a, b, c)] == ["cancelled", "confirmed", "waitlisted"]
    assert Session.objects.get(pk=s.pk).seats_taken == 1
    # a waitlisted person leaving frees no seat
    registration_cancel(registration_id=c.pk, actor=people.erin)
    registration_cancel(registration_id=b.pk, actor=people.paula)
    assert Session.objects.get(pk=s.pk).seats_taken == 0
    with pytest.raises(Conflict, match="already cancelled"):
        registration_cancel(registration_id=b.pk, actor=people.paula)
    # after cancelling, the person may register again
    assert registration_create(session_id=s.pk, user=people.tom, actor=people.tom).status == "confirmed"


def test_self_registration_is_for_internal_sessions_and_only_for_yourself(people: Any, make_session: Any) -> None:
    customer = make_session()
    with pytest.raises(ValidationFailed) as exc:
        registration_create(session_id=customer.pk, user=people.tom, actor=people.tom)
    assert exc.value.code == "needs_audit_request"
    internal = make_session(audience="internal", starts_at=datetime(2027, 2, 1, 9, tzinfo=UTC))
    with pytest.raises(PermissionDenied):
        registration_create(session_id=internal.pk, user=people.cody, actor=people.tom)
    assert Registration.objects.count() == 0


def test_pubsec_sessions_are_invisible_to_non_members(people: Any, make_session: Any) -> None:
    from psdesk.crm.models import Account

    fed = Account.objects.create(name="Federal Agency", us_public_sector=True)
    s = make_session(account=fed)
    with pytest.raises(NotFound):
        registration_create(session_id=s.pk, user=people.erin, actor=people.paula)
    from psdesk.training.selectors import session_get

    assert session_get(user=people.pat, session_id=s.pk) == s
    with pytest.raises(NotFound):
        session_get(user=people.erin, session_id=s.pk)


def test_the_signed_link_shows_the_session_and_the_ics_parses_back_in_the_attendees_timezone(
    people: Any, make_session: Any
) -> None:
    from psdesk.accounts.models import Profile

    Profile.objects.filter(user=people.tom).update(timezone="America/Los_Angeles")
    s = make_session(audience="internal", starts_at=datetime(2027, 1, 4, 17, 0, tzinfo=UTC), tz="Europe/Berlin")
    reg = registration_create(session_id=s.pk, user=people.tom, actor=people.tom)
    url = registration_link_path(reg)
    c = Client()  # not logged in: the signature is the credential
    page = c.get(url)
    assert page.status_code == 200
    assert b"Mon 2027-01-04 09:00" in page.content and b"America/Los_Angeles" in page.content
    ics = c.get(url + "invite.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(ics.content)
    [event] = cal.walk("VEVENT")
    start = event.decoded("dtstart")
    assert start == datetime(2027, 1, 4, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    assert start.tzinfo.key == "America/Los_Angeles"
    assert event["dtstart"].params["TZID"] == "America/Los_Angeles"
    assert event.decoded("dtend") == datetime(2027, 1, 5, 1, 0, tzinfo=UTC)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/Los_Angeles"]
    assert str(event["uid"]) == f"training-registration-{reg.pk}@psdesk"


def test_the_attendee_cancels_from_their_link(people: Any, make_session: Any) -> None:
    s = make_session(audience="internal", capacity=1)
    reg = registration_create(session_id=s.pk, user=people.tom, actor=people.tom)
    waiting = registration_create(session_id=s.pk, user=people.cody, actor=people.cody)
    c = Client()
    resp = c.post(registration_link_path(reg))
    assert resp.status_code == 200 and b"cancelled" in resp.content
    assert Registration.objects.get(pk=reg.pk).status == "cancelled"
    assert Registration.objects.get(pk=waiting.pk).status == "confirmed"
    ev = AuditEvent.objects.get(verb="training.registration_cancelled")
    assert ev.actor == people.tom and ev.reason == "cancelled by the attendee from their link"
    assert c.get(registration_link_path(reg) + "invite.ics").status_code == 404


def test_a_forged_registration_link_is_not_found(people: Any, make_session: Any) -> None:
    s = make_session(audience="internal")
    reg = registration_create(session_id=s.pk, user=people.tom, actor=people.tom)
    token = registration_link_path(reg).split("/")[3]
    c = Client()
    assert c.get(f"/r/training/{token[:-2]}zz/").status_code == 404
    assert c.post(f"/r/training/{token[:-2]}zz/").status_code == 404
    assert Registration.objects.get(pk=reg.pk).status == "confirmed"


def test_an_attendee_cannot_cancel_after_the_session_started(people: Any, make_session: Any, frozen_clock: Any) -> None:
    s = make_session(audience="internal")
    reg = registration_create(session_id=s.pk, user=people.tom, actor=people.tom)
    frozen_clock.set(datetime(2027, 1, 4, 10, tzinfo=UTC))
    with pytest.raises(ValidationFailed, match="has started"):
        registration_cancel(registration_id=reg.pk, actor=people.tom)
    resp = Client().post(registration_link_path(reg))
    assert resp.status_code == 422
    assert Registration.objects.get(pk=reg.pk).status == "confirmed"


def test_delivery_records_attendance_and_unlocks_the_roster_csv(
    people: Any, make_session: Any, frozen_clock: Any
) -> None:
    from psdesk.training.selectors import roster_csv
    from psdesk.training.services import session_deliver

    s = make_session(audience="internal")
    for u in ("tom", "cody"):
        registration_create(session_id=s.pk, user=people[u], actor=people[u])
    with pytest.raises(Conflict, match="not ended"):
        session_deliver(session_id=s.pk, actor=people.paula)
    frozen_clock.set(datetime(2027, 1, 5, 9, tzinfo=UTC))
    session_deliver(session_id=s.pk, actor=people.paula, attended_user_ids=[people.tom.pk])
    lines = roster_csv(Session.objects.get(pk=s.pk)).splitlines()
    assert lines[0] == "session,course,starts_at,username,name,email,status,attended,request"
    assert lines[1] == f"{s.pk},EDU-CICD,2027-01-04T09:00:00+00:00,tom,Tom Turner,tom@psdesk.example,confirmed,yes,"
    assert lines[2] == f"{s.pk},EDU-CICD,2027-01-04T09:00:00+00:00,cody,Cody Chen,cody@psdesk.example,confirmed,no,"
