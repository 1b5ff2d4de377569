"""Pages: forms with validation, my requests, planning board, calendar, session page, roster CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.test import Client

from psdesk.training.models import TrainingRequest

from .conftest import MONDAY


def _client(people: Any, who: str) -> Client:
    c = Client()
    c.force_login(people[who])
    return c


def test_the_trainer_form_shows_the_capacity_error_next_to_the_audience(people: Any, course: Any) -> None:
    c = _client(people, "tom")
    data = {
        "team": "Platform",
        "cost_centre": "CC-1",
        "courses": [course.pk],
        "audience_size": 30,
        "preferred_start": "2027-01-04",
        "timezone": "UTC",
        "delivery_mode": "remote",
        "justification": "x",
    }
    resp = c.post("/training/requests/new/trainer/", data)
    assert resp.status_code == 422
    assert "30 attendees exceed the class size of 12" in resp.content.decode()
    assert TrainingRequest.objects.count() == 0
    resp = c.post("/training/requests/new/trainer/", {**data, "split_sessions": "on"})
    assert resp.status_code == 302
    req = TrainingRequest.objects.get()
    assert resp["Location"] == f"/training/requests/{req.pk}/"
    page = c.get("/training/")
    assert f"/training/requests/{req.pk}/" in page.content.decode()


def test_the_audit_form_refuses_an_internal_session(managed: Any, course: Any, make_session: Any) -> None:
    internal = make_session(audience="internal")
    c = _client(managed, "tom")
    resp = c.post(
        "/training/requests/new/audit/", {"course": course.pk, "desired_session": internal.pk, "timezone": "UTC"}
    )
    assert resp.status_code == 422
    assert TrainingRequest.objects.count() == 0


def test_the_planning_board_is_for_coordinators(people: Any, make_trainer_request: Any) -> None:
    req = make_trainer_request()
    assert _client(people, "tom").get("/training/planning/").status_code == 403
    page = _client(people, "paula").get("/training/planning/")
    assert page.status_code == 200 and f'id="treq-{req.pk}"' in page.content.decode()


def test_a_non_manager_posting_an_approval_gets_403_and_nothing_changes(
    managed: Any, make_audit_request: Any, make_session: Any
) -> None:
    req = make_audit_request(session=make_session(), approve=False)
    c = _client(managed, "paula")
    assert c.post(f"/training/requests/{req.pk}/approval", {"decision": "approve"}).status_code == 403
    assert TrainingRequest.objects.get(pk=req.pk).manager_decision == "pending"
    page = _client(managed, "rory").get(f"/training/requests/{req.pk}/")
    assert 'id="approval-form"' in page.content.decode()


def test_the_session_page_shows_remaining_seats_and_a_full_session_gives_a_waitlist_message(
    people: Any, make_session: Any
) -> None:
    s = make_session(audience="internal", capacity=1)
    assert "1 of 1 seats left" in _client(people, "tom").get(f"/training/sessions/{s.pk}/").content.decode()
    _client(people, "tom").post(f"/training/sessions/{s.pk}/register")
    c = _client(people, "cody")
    resp = c.post(f"/training/sessions/{s.pk}/register", follow=True)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "you are on the waitlist (position 1)" in html and "0 of 1 seats left" in html


def test_the_calendar_shows_sessions_on_their_day(people: Any, make_session: Any) -> None:
    s = make_session(audience="internal")
    page = _client(people, "tom").get("/training/sessions/", {"year": 2027, "month": 1})
    assert page.status_code == 200 and f"/training/sessions/{s.pk}/" in page.content.decode()
    assert "January 2027" in page.content.decode()
    assert _client(people, "tom").get("/training/sessions/", {"year": "x", "month": "13"}).status_code == 200


def test_the_roster_csv_is_exported_after_delivery_only(people: Any, make_session: Any, frozen_clock: Any) -> None:
    from psdesk.training.services import registration_create, session_deliver

    s = make_session(audience="internal")
    registration_create(session_id=s.pk, user=people.tom, actor=people.tom)
    c = _client(people, "paula")
    assert c.get(f"/training/sessions/{s.pk}/roster.csv").status_code == 409
    assert _client(people, "tom").get(f"/training/sessions/{s.pk}/roster.csv").status_code == 403
    frozen_clock.set(datetime(2027, 1, 5, tzinfo=UTC))
    session_deliver(session_id=s.pk, actor=people.paula)
    resp = c.get(f"/training/sessions/{s.pk}/roster.csv")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    assert resp.content.decode().splitlines()[1].endswith(",tom,Tom Turner,tom@psdesk.example,confirmed,yes,")
    assert frozen_clock.at > MONDAY
