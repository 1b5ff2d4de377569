"""Work at risk on a change order: the work a change order adds may start before it is executed only
with PS Leadership's work-at-risk approval on that change order (reason, capped hours, expiry); its
tasks open for time on approval; time is refused without one, over the cap, after the expiry and
once the change order is declined; on execution the tasks get their budget and are ordinary work."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client

from psdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from psdesk.delivery import services as delivery
from psdesk.delivery.tests.conftest import project  # noqa: F401 — fixture
from psdesk.delivery.tests.test_change_orders import _approve_all, _v2
from psdesk.sows.tests.conftest import _media, make_estimate, opportunity, sow_wip  # noqa: F401 — fixtures
from psdesk.timesheets import services
from psdesk.timesheets.models import TimeEntry, WorkAtRisk
from psdesk.timesheets.tests.conftest import cody_consultant  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db
MON = date(2026, 11, 23)


def _co(p: Any, people: Any) -> Any:
    co = delivery.change_order_create(
        project_id=p.pk, estimate_version_id=_v2(p).pk, reason="Geo site", actor=people.erin
    )
    delivery.change_order_submit(change_order_id=co.pk, actor=people.erin)
    _approve_all(co, people)
    co.refresh_from_db()
    return co


def _request(people: Any, p: Any, co: Any, cap: str = "16", expires: date = date(2026, 12, 4)) -> WorkAtRisk:
    return services.work_at_risk_request(
        actor=people.erin,
        project_id=p.pk,
        change_order_id=co.pk,
        reason="the customer needs Geo before the signature",
        hours_cap=cap,
        expires_on=expires,
    )


def test_change_order_work_needs_a_capped_expiring_work_at_risk_approval(
    project: Any,  # noqa: F811 — fixture
    people: Any,
    cody_consultant: Any,  # noqa: F811 — fixture
    frozen_clock: Any,
) -> None:
    co = _co(project, people)
    assert not project.tasks.filter(name="Geo replication").exists()  # not before an approval
    with pytest.raises(ValidationFailed, match="at most the 40 h"):
        _request(people, project, co, cap="41")
    war = _request(people, project, co)
    assert not project.tasks.filter(name="Geo replication").exists()  # requested is not approved
    with pytest.raises(PermissionDenied):
        services.work_at_risk_decide(actor=people.erin, war_id=war.pk, approve=True)
    services.work_at_risk_decide(actor=people.leo, war_id=war.pk, approve=True, note="ok, capped")
    geo = project.tasks.get(name="Geo replication", role="PSE")
    assert geo.hours == D("0") and list(war.tasks.all()) == [geo]

    e = services.time_entry_set(actor=people.cody, task_id=geo.pk, day=MON, hours="8", acknowledge_over_budget=True)
    assert e is not None and e.work_at_risk_id == war.pk and e.over_budget  # 0 h of budget until executed: flagged
    with pytest.raises(ValidationFailed) as over:  # over budget is never silently accepted
        services.time_entry_set(actor=people.cody, task_id=geo.pk, day=MON + timedelta(days=1), hours="2")
    assert over.value.code == "over_budget"
    with pytest.raises(Conflict, match=re.escape("caps time at 16.00 h")):
        services.time_entry_set(
            actor=people.cody, task_id=geo.pk, day=MON + timedelta(days=1), hours="9", acknowledge_over_budget=True
        )
    # SOW tasks stay SOW work (the project is booked): no work at risk involved
    sow_task = project.tasks.exclude(pk=geo.pk).first()
    s = services.time_entry_set(actor=people.cody, task_id=sow_task.pk, day=MON, hours="2")
    assert s is not None and s.work_at_risk_id is None

    frozen_clock.advance(days=10)  # Monday 7 December: the approval expired on the 4th
    with pytest.raises(Conflict, match=re.escape(f"approval for {co.code} expired on 04 Dec 2026")):
        services.time_entry_set(
            actor=people.cody, task_id=geo.pk, day=date(2026, 12, 7), hours="1", acknowledge_over_budget=True
        )
    assert TimeEntry.objects.filter(task=geo).count() == 1


def test_a_declined_change_orders_tasks_take_no_more_time_and_an_executed_ones_are_ordinary_work(
    project: Any,  # noqa: F811 — fixture
    people: Any,
    cody_consultant: Any,  # noqa: F811 — fixture
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.PSDESK_ESIGN_KEY_FILE = str(tmp_path / "k.pem")
    settings.PSDESK_ESIGN_CERT_FILE = str(tmp_path / "c.pem")
    co = _co(project, people)
    war = _request(people, project, co)
    services.work_at_risk_decide(actor=people.leo, war_id=war.pk, approve=True)
    geo = project.tasks.get(name="Geo replication")
    services.time_entry_set(actor=people.cody, task_id=geo.pk, day=MON, hours="4", acknowledge_over_budget=True)
    delivery.change_order_send(change_order_id=co.pk, actor=people.erin)
    delivery.change_order_sign(change_order_id=co.pk, actor=people.erin, name="Carl Customer", title="CTO")
    delivery.change_order_countersign(change_order_id=co.pk, actor=people.rita)
    geo.refresh_from_db()
    assert geo.hours == D("40.00")  # the execution gave the task opened at risk its budget
    e = services.time_entry_set(actor=people.cody, task_id=geo.pk, day=MON + timedelta(days=1), hours="12")
    assert e is not None and e.work_at_risk_id is None  # executed: beyond the cap, ordinary work

    # a second change order, declined: its tasks take no more time
    lines = [
        ("Kick-off and planning", "PM", "8", "implementation"),
        ("Install GitLab", "PSE", "40", "implementation"),
        ("Migration wave 1", "PSE", "32", "migration"),
        ("GitLab CI/CD training", "Trainer", "8", "education"),
        ("Geo replication", "PSE", "40", "implementation"),
        ("DR drill", "PSE", "8", "implementation"),
    ]
    v4 = make_estimate(project.engagement, lines=lines, agreed=False)
    co2 = delivery.change_order_create(
        project_id=project.pk, estimate_version_id=v4.pk, reason="DR drill", actor=people.erin
    )
    delivery.change_order_submit(change_order_id=co2.pk, actor=people.erin)
    _approve_all(co2, people)
    war2 = _request(people, project, co2, cap="8")
    services.work_at_risk_decide(actor=people.leo, war_id=war2.pk, approve=True)
    dr = project.tasks.get(name="DR drill")
    services.time_entry_set(actor=people.cody, task_id=dr.pk, day=MON, hours="2", acknowledge_over_budget=True)
    delivery.change_order_withdraw(change_order_id=co2.pk, actor=people.erin, reason="customer dropped DR")
    with pytest.raises(Conflict, match=f"work of {co2.code}, which is withdrawn"):
        services.time_entry_set(
            actor=people.cody, task_id=dr.pk, day=MON + timedelta(days=1), hours="1", acknowledge_over_budget=True
        )
    with pytest.raises(Conflict, match="needs no work at risk"):
        _request(people, project, co2)


def test_work_at_risk_on_a_change_order_refusals_and_the_api(
    project: Any,  # noqa: F811 — fixture
    people: Any,
    cody_consultant: Any,  # noqa: F811 — fixture
) -> None:
    co = _co(project, people)
    with pytest.raises(NotFound):
        services.work_at_risk_request(
            actor=people.erin,
            project_id=project.pk,
            change_order_id=co.pk + 999,
            reason="x",
            hours_cap="4",
            expires_on=date(2026, 12, 4),
        )
    c = Client()
    c.force_login(people.erin)
    body = {
        "project_id": project.pk,
        "change_order_id": co.pk,
        "reason": "start Geo",
        "hours_cap": "8",
        "expires_on": "2026-12-04",
    }
    r = c.post("/api/v1/work-at-risk", body, content_type="application/json")
    assert r.status_code == 201, r.content
    assert (r.json()["change_order"], r.json()["task_ids"]) == (co.code, [])
    war_id = r.json()["id"]
    too_much = c.post("/api/v1/work-at-risk", {**body, "hours_cap": "80"}, content_type="application/json")
    assert too_much.status_code == 422 and too_much.json()["details"]["field"] == "hours_cap"
    for who in ("olga", "cody"):
        o = Client()
        o.force_login(people[who])
        assert o.post("/api/v1/work-at-risk", body, content_type="application/json").status_code == 403
        assert o.post(
            f"/api/v1/work-at-risk/{war_id}/decision", {"approve": True}, content_type="application/json"
        ).status_code in (403, 404)
    leo = Client()
    leo.force_login(people.leo)
    d = leo.post(f"/api/v1/work-at-risk/{war_id}/decision", {"approve": True}, content_type="application/json")
    assert d.status_code == 200 and len(d.json()["task_ids"]) == 1
    geo_id = d.json()["task_ids"][0]
    cody = Client()
    cody.force_login(people.cody)
    ok = cody.post(
        "/api/v1/time-entries",
        {"task_id": geo_id, "day": "2026-11-23", "hours": "4", "acknowledge_over_budget": True},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["work_at_risk_id"] == war_id, ok.content
    over_cap = cody.post(
        "/api/v1/time-entries",
        {"task_id": geo_id, "day": "2026-11-24", "hours": "5", "acknowledge_over_budget": True},
        content_type="application/json",
    )
    assert over_cap.status_code == 409 and "caps time at 8.00 h" in over_cap.json()["message"], over_cap.content
    # PubSec: the change order's work at risk and its tasks are invisible to non-members
    from psdesk.crm.models import Account

    Account.objects.filter(pk=project.account_id).update(us_public_sector=True)
    assert war_id not in [w["id"] for w in c.get("/api/v1/work-at-risk").json()]
    assert war_id not in [w["id"] for w in leo.get("/api/v1/work-at-risk").json()]
    hidden = cody.post(
        "/api/v1/time-entries",
        {"task_id": geo_id, "day": "2026-11-24", "hours": "1", "acknowledge_over_budget": True},
        content_type="application/json",
    )
    assert hidden.status_code == 404
    assert (
        c.post("/api/v1/work-at-risk", body, content_type="application/json").status_code == 404
    )  # the project is not visible
