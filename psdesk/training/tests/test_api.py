"""REST API: requests, scheduling, sessions, registrations; permissions per role and PubSec."""

from __future__ import annotations

from typing import Any

from psdesk.audit.models import AuditEvent
from psdesk.training.models import Registration, Session, TrainingRequest

from .conftest import MONDAY


def _trainer_payload(course: Any, **kw: Any) -> dict[str, Any]:
    return {
        "team": "Platform",
        "cost_centre": "CC-410",
        "course_ids": [course.pk],
        "audience_size": 8,
        "justification": "CI migration",
        "preferred_start": "2027-01-04",
        "timezone": "Europe/Berlin",
        **kw,
    }


def test_a_team_member_files_a_trainer_request_and_sees_it_in_my_requests(api: Any, course: Any) -> None:
    resp = api("tom").post("/api/v1/training/requests/trainer", _trainer_payload(course))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert (body["kind"], body["status"], body["courses"], body["requester"]) == (
        "trainer",
        "requested",
        ["EDU-CICD"],
        "tom",
    )
    assert all(t["done"] for t in body["tasks"])
    mine = api("tom").get("/api/v1/training/requests", mine="true").json()
    assert mine["count"] == 1 and mine["items"][0]["id"] == body["id"]


def test_over_capacity_without_split_is_a_422_with_the_field(api: Any, course: Any) -> None:
    resp = api("tom").post("/api/v1/training/requests/trainer", _trainer_payload(course, audience_size=13))
    assert resp.status_code == 422
    assert resp.json()["code"] == "over_capacity" and resp.json()["details"]["field"] == "audience_size"
    assert TrainingRequest.objects.count() == 0


def test_the_outsider_may_do_nothing(api: Any, course: Any, make_session: Any) -> None:
    s = make_session(audience="internal")
    olga = api("olga")
    assert olga.get("/api/v1/training/requests").status_code == 403
    assert olga.get("/api/v1/training/sessions").status_code == 403
    assert olga.post("/api/v1/training/requests/trainer", _trainer_payload(course)).status_code == 403
    assert olga.post(f"/api/v1/training/sessions/{s.pk}/registrations", {}).status_code == 403
    assert Registration.objects.count() == 0 and TrainingRequest.objects.count() == 0


def test_only_coordinators_create_sessions_and_schedule(api: Any, course: Any, trainer: Any) -> None:
    payload = {
        "course_id": course.pk,
        "starts_at": "2027-01-04T09:00:00+01:00",
        "ends_at": "2027-01-04T17:00:00+01:00",
        "timezone": "Europe/Berlin",
        "instructor_id": trainer.pk,
    }
    for who in ("tom", "erin", "leo"):
        assert api(who).post("/api/v1/training/sessions", payload).status_code == 403
    resp = api("eddie").post("/api/v1/training/sessions", payload)
    assert resp.status_code == 201, resp.content
    assert (resp.json()["capacity"], resp.json()["seats_left"], resp.json()["instructor_id"]) == (12, 12, trainer.pk)
    busy = api("paula").post("/api/v1/training/sessions", payload)
    assert busy.status_code == 409 and busy.json()["code"] == "instructor_busy"
    past = api("paula").post("/api/v1/training/sessions", {**payload, "starts_at": "2026-11-01T09:00:00Z"})
    assert past.status_code == 422 and past.json()["code"] == "session_in_past"


def test_the_full_trainer_journey_over_the_api(
    api: Any, people: Any, course: Any, trainer: Any, frozen_clock: Any
) -> None:
    req = (
        api("tom")
        .post("/api/v1/training/requests/trainer", _trainer_payload(course, attendee_ids=[people.cody.pk]))
        .json()
    )
    rid = req["id"]
    assert (
        api("tom").post(f"/api/v1/training/requests/{rid}/transition", {"action": "complete_tasks"}).status_code == 200
    )
    assert (
        api("tom").post(f"/api/v1/training/requests/{rid}/transition", {"action": "start_planning"}).status_code == 403
    )
    assert (
        api("paula").post(f"/api/v1/training/requests/{rid}/transition", {"action": "start_planning"}).status_code
        == 200
    )
    assert api("tom").post(f"/api/v1/training/requests/{rid}/schedule", {}).status_code == 403
    plan = {
        "course_id": course.pk,
        "starts_at": "2027-01-04T09:00:00+01:00",
        "ends_at": "2027-01-04T17:00:00+01:00",
        "timezone": "Europe/Berlin",
    }
    resp = api("paula").post(f"/api/v1/training/requests/{rid}/schedule", {"plans": [plan]})
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["request"]["status"] == "scheduled" and body["waitlisted"] is False
    assert [r["user"] for r in body["registrations"]] == ["cody"]
    sid = body["session_ids"][0]
    detail = api("paula").get(f"/api/v1/training/sessions/{sid}").json()
    assert (detail["seats_taken"], [r["user"] for r in detail["roster"]]) == (1, ["cody"])
    assert api("tom").get(f"/api/v1/training/sessions/{sid}").json()["roster"] == []
    frozen_clock.set(MONDAY.replace(day=5))
    assert api("paula").post(f"/api/v1/training/sessions/{sid}/deliver", {}).status_code == 200
    assert (
        api("paula").post(f"/api/v1/training/requests/{rid}/transition", {"action": "deliver"}).json()["status"]
        == "delivered"
    )
    assert (
        api("paula").post(f"/api/v1/training/requests/{rid}/transition", {"action": "close"}).json()["status"]
        == "closed"
    )


def test_an_audit_request_over_the_api_with_manager_approval(
    api: Any, managed: Any, course: Any, make_session: Any
) -> None:
    s = make_session(capacity=1)
    internal = make_session(audience="internal", starts_at=MONDAY.replace(day=11))
    bad = api("tom").post(
        "/api/v1/training/requests/audit", {"course_id": course.pk, "desired_session_id": internal.pk}
    )
    assert bad.status_code == 422 and bad.json()["code"] == "internal_only_session"
    rid = (
        api("tom")
        .post("/api/v1/training/requests/audit", {"course_id": course.pk, "desired_session_id": s.pk})
        .json()["id"]
    )
    assert api("erin").post(f"/api/v1/training/requests/{rid}/approval", {"approve": True}).status_code == 404
    assert api("paula").post(f"/api/v1/training/requests/{rid}/approval", {"approve": True}).status_code == 403
    assert api("tom").post(f"/api/v1/training/requests/{rid}/approval", {"approve": True}).status_code == 403
    assert not AuditEvent.objects.filter(verb="training.manager_approved").exists()
    assert (
        api("rory").post(f"/api/v1/training/requests/{rid}/approval", {"approve": True}).json()["manager_decision"]
        == "approved"
    )
    api("tom").post(f"/api/v1/training/requests/{rid}/transition", {"action": "complete_tasks"})
    api("paula").post(f"/api/v1/training/requests/{rid}/transition", {"action": "start_planning"})
    resp = api("paula").post(f"/api/v1/training/requests/{rid}/schedule", {})
    assert resp.status_code == 200 and resp.json()["request"]["status"] == "scheduled"


def test_a_full_session_answers_201_with_a_waitlist_place(api: Any, people: Any, make_session: Any) -> None:
    s = make_session(audience="internal", capacity=1)
    assert api("tom").post(f"/api/v1/training/sessions/{s.pk}/registrations", {}).json()["status"] == "confirmed"
    resp = api("cody").post(f"/api/v1/training/sessions/{s.pk}/registrations", {})
    assert resp.status_code == 201 and resp.json()["status"] == "waitlisted" and resp.json()["waitlist_position"] == 1
    again = api("cody").post(f"/api/v1/training/sessions/{s.pk}/registrations", {})
    assert again.status_code == 409 and again.json()["code"] == "already_registered"
    other = api("tom").post(f"/api/v1/training/sessions/{s.pk}/registrations", {"user_id": people.erin.pk})
    assert other.status_code == 403


def test_pubsec_sessions_are_404_for_non_members_everywhere(api: Any, people: Any, make_session: Any) -> None:
    from psdesk.crm.models import Account

    s = make_session(account=Account.objects.create(name="Federal Agency", us_public_sector=True))
    assert api("pat").get(f"/api/v1/training/sessions/{s.pk}").status_code == 200
    assert api("erin").get(f"/api/v1/training/sessions/{s.pk}").status_code == 404
    assert s.pk not in [x["id"] for x in api("erin").get("/api/v1/training/sessions").json()["items"]]
    assert api("paula").get(f"/api/v1/training/sessions/{s.pk}").status_code == 404  # coordinator, not a member
    assert api("erin").post(f"/api/v1/training/sessions/{s.pk}/registrations", {}).status_code == 404


def test_list_limits_are_bounded(api: Any) -> None:
    assert api("paula").get("/api/v1/training/sessions", limit=201).status_code == 422
    assert api("paula").get("/api/v1/training/requests", limit=0).status_code == 422
    assert api("paula").get("/api/v1/training/requests", status="nope").status_code == 422


def test_the_cli_lists_moves_and_exports_the_roster(
    people: Any, make_session: Any, frozen_clock: Any, make_trainer_request: Any
) -> None:
    from io import StringIO

    import pytest
    from django.core.management import CommandError, call_command

    s = make_session(audience="internal")
    out = StringIO()
    call_command("training", "register", str(s.pk), "--as", "paula", "--user", "tom", stdout=out)
    assert out.getvalue().strip().endswith("tom confirmed")
    req = make_trainer_request()
    out = StringIO()
    call_command("training", "move", str(req.pk), "complete_tasks", "--as", "tom", stdout=out)
    assert out.getvalue().strip() == f"request {req.pk}: requested → tasks_complete"
    with pytest.raises(CommandError, match="409 transition_not_allowed"):
        call_command("training", "move", str(req.pk), "close", "--as", "paula")
    with pytest.raises(CommandError, match="after delivery"):
        call_command("training", "roster", str(s.pk), "--as", "paula")
    frozen_clock.set(MONDAY.replace(day=5))
    call_command("training", "sessions", "--as", "tom", stdout=StringIO())
    from psdesk.training.services import session_deliver

    session_deliver(session_id=s.pk, actor=people.paula)
    out = StringIO()
    call_command("training", "roster", str(s.pk), "--as", "paula", stdout=out)
    assert out.getvalue().splitlines()[1].startswith(f"{s.pk},EDU-CICD,")
    assert Session.objects.get(pk=s.pk).status == "delivered"
