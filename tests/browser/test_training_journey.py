"""Training journeys: a team lead's trainer request, and an individual's audit request approved by
their manager from the signed link; each ends with the attendee's registration link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.training.links import approval_link_path, registration_link_path
from psdesk.training.models import Registration, TrainingRequest
from psdesk.training.testing import course_create, trainer_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def course(db: Any) -> Any:
    return course_create()


@pytest.fixture
def trainer(course: Any) -> Any:
    return trainer_create(courses=(course,))


def _switch(page: Any, login: Any, who: str) -> None:
    page.context.clear_cookies()
    login(page, who)


def test_a_team_lead_requests_a_trainer_and_the_coordinator_schedules_it(
    page: Any, live_server: Any, login: Any, people: Any, course: Any, trainer: Any, frozen_clock: Any
) -> None:
    login(page, "tom")
    page.goto(f"{live_server.url}/training/")
    page.click("#new-trainer")
    page.fill("#id_team", "Platform")
    page.fill("#id_cost_centre", "CC-410")
    page.check(f'input[name="courses"][value="{course.pk}"]')
    page.fill("#id_audience_size", "20")
    page.fill("#id_preferred_start", "2027-01-04")
    page.fill("#id_timezone", "Europe/Berlin")
    page.fill("#id_justification", "Moving our pipelines to GitLab CI")
    page.select_option("#id_attendees", [str(people.cody.pk)])
    page.click("#request-form button[type=submit]")
    error = page.locator("#request-form .error")
    error.first.wait_for()
    assert "20 attendees exceed the class size of 12" in error.first.inner_text()
    assert TrainingRequest.objects.count() == 0
    page.fill("#id_audience_size", "8")
    page.check(f'input[name="courses"][value="{course.pk}"]')
    page.click("#request-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/training/requests/*/")
    req = TrainingRequest.objects.get()
    assert page.locator("#tasks li[data-done='0']").count() == 0
    page.click("button[data-action=complete_tasks]")
    page.locator("#status[data-status=tasks_complete]").wait_for()

    _switch(page, login, "paula")
    page.goto(f"{live_server.url}/training/planning/")
    page.click(f"#treq-{req.pk} a")
    page.click("button[data-action=start_planning]")
    page.locator("#status[data-status=planning]").wait_for()
    form = page.locator("#schedule-form")
    form.locator('select[name="course"]').first.select_option(str(course.pk))
    form.locator('input[name="starts_at"]').first.fill("2027-01-04T09:00")
    form.locator('input[name="ends_at"]').first.fill("2027-01-04T17:00")
    form.locator("button[type=submit]").click()
    page.locator("#status[data-status=scheduled]").wait_for()
    req.refresh_from_db()
    [session] = req.sessions.all()
    assert (session.instructor, session.starts_at) == (trainer, datetime(2027, 1, 4, 8, tzinfo=UTC))
    assert AuditEvent.objects.filter(verb="training.schedule", target_id=str(req.pk)).count() == 1

    page.goto(f"{live_server.url}/training/sessions/{session.pk}/")
    assert page.locator("#seats").inner_text() == "11 of 12 seats left"
    assert page.locator("#roster tbody tr").count() == 1

    # cody follows the registration link without logging in and gets the invite
    page.context.clear_cookies()
    reg = Registration.objects.get(user=people.cody)
    page.goto(f"{live_server.url}{registration_link_path(reg)}")
    assert page.locator("#reg-status").inner_text() == "confirmed"
    with page.expect_download() as dl:
        page.click("#ics")
    assert dl.value.suggested_filename == f"training-{session.pk}.ics"


def test_an_individual_asks_to_audit_and_the_manager_approves_from_the_link(
    page: Any, live_server: Any, login: Any, people: Any, course: Any, trainer: Any, frozen_clock: Any
) -> None:
    from psdesk.accounts.models import Profile
    from psdesk.crm.models import Account
    from psdesk.training.services import session_create

    Profile.objects.filter(user=people.tom).update(manager=people.rory)
    start = datetime(2027, 1, 11, 15, tzinfo=UTC)
    session = session_create(
        actor=people.paula,
        course=course,
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        timezone="UTC",
        audience="customer",
        account=Account.objects.create(name="Acme Corp"),
        instructor=trainer,
        capacity=3,
    )
    login(page, "tom")
    page.goto(f"{live_server.url}/training/sessions/{session.pk}/")
    page.click("text=Request to audit this session")
    page.select_option("#id_course", str(course.pk))
    assert page.locator("#id_desired_session").input_value() == str(session.pk)
    page.click("#request-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/training/requests/*/")
    req = TrainingRequest.objects.get()
    assert page.locator("#manager-decision").inner_text() == "Pending"

    # the manager approves from the signed link, without logging in
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{approval_link_path(req.pk, people.rory.pk)}")
    page.click("button[value=approve]")
    page.locator("#decision", has_text="Approved").wait_for()
    assert AuditEvent.objects.get(verb="training.manager_approved").actor == people.rory

    login(page, "tom")
    page.goto(f"{live_server.url}/training/requests/{req.pk}/")
    page.click("button[data-action=complete_tasks]")
    page.locator("#status[data-status=tasks_complete]").wait_for()

    _switch(page, login, "paula")
    page.goto(f"{live_server.url}/training/requests/{req.pk}/")
    page.click("button[data-action=start_planning]")
    page.locator("#status[data-status=planning]").wait_for()
    page.click("#schedule-form button[type=submit]")
    page.locator("#status[data-status=scheduled]").wait_for()
    reg = Registration.objects.get(user=people.tom)
    assert reg.status == "confirmed"

    page.context.clear_cookies()
    page.goto(f"{live_server.url}{registration_link_path(reg)}")
    page.click("#cancel-registration")
    page.locator("#reg-status", has_text="cancelled").wait_for()
    assert TrainingRequest.objects.get(pk=req.pk).status == "cancelled"
