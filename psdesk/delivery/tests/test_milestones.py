"""Milestones from the executed SOW, the completion notice, acceptance by the emailed link or
passively after the acceptance period on the customer's calendar, and billing exactly once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.delivery import services
from psdesk.delivery.models import AcceptanceLink, BillableEvent, Milestone
from psdesk.delivery.tests.conftest import SIGNER
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.sla.models import SlaTimer
from psdesk.sla.services import sla_sweep


def _token(milestone: Milestone) -> str:
    msg = OutboxMessage.objects.filter(event="milestone.completion_notice", destination=SIGNER).latest("id")
    match = re.search(r"/r/acceptance/([^/\s]+)/", msg.payload["body"])
    assert match, msg.payload["body"]
    return match.group(1)


def test_milestones_come_from_the_executed_sow_with_activities_hours_and_fee(project: Any) -> None:
    ms = list(project.milestones.order_by("position"))
    assert [(m.name, m.hours, m.fee, m.status) for m in ms] == [
        ("Implementation", Decimal("48.00"), Decimal("15840.00"), "in_progress"),
        ("Migration", Decimal("32.00"), Decimal("10560.00"), "in_progress"),
    ]
    assert [(a.activity, a.role, a.hours) for a in ms[0].activities.all()] == [
        ("Kick-off and planning", "PM", Decimal("8.00")),
        ("Install GitLab", "PSE", Decimal("40.00")),
    ]
    assert AuditEvent.objects.filter(verb="delivery.milestones_created").count() == 1
    assert services.milestones_create_from_sow(project=project) == ms  # idempotent


def test_the_pm_marks_complete_and_the_customer_accepts_through_the_link_once(project: Any, people: Any) -> None:
    m1 = project.milestones.get(position=1)
    services.milestone_complete(milestone_id=m1.pk, actor=people.paula, note="Installed and handed over.")
    m1.refresh_from_db()
    assert (m1.status, m1.notice_to, m1.completed_by) == ("awaiting_acceptance", SIGNER, people.paula)
    notice = OutboxMessage.objects.get(event="milestone.completion_notice")
    assert notice.payload["to"] == [SIGNER]
    assert "Friday 04 December 2026, 11:00 (America/New_York)" in notice.payload["body"]  # 5 business days
    timer = SlaTimer.objects.for_target(m1).get()
    assert timer.due_at == datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    token = _token(m1)

    accepted = services.milestone_accept_by_link(token=token, name="Carl Customer")
    assert (accepted.status, accepted.acceptance, accepted.accepted_by) == (
        "accepted",
        "explicit",
        f"Carl Customer <{SIGNER}>",
    )
    event = BillableEvent.objects.get(milestone=m1)
    assert (event.amount, event.currency, event.acceptance) == (Decimal("15840.00"), "USD", "explicit")
    [billing] = OutboxMessage.objects.filter(target="billing")
    assert billing.payload["amount"] == "15840.00" and billing.idempotency_key == f"billing:{event.ref}"
    timer.refresh_from_db()
    assert (timer.state, timer.outcome) == ("stopped", "met")
    verbs = list(AuditEvent.objects.filter(verb__startswith="delivery.").order_by("seq").values_list("verb", flat=True))
    assert verbs[-3:] == ["delivery.accept", "delivery.billable_event_created", "delivery.milestone_accepted"]
    assert Notification.objects.filter(recipient=people.erin, event="milestone.accepted").exists()
    assert Notification.objects.filter(recipient=people.oscar, event="milestone.accepted").exists()

    # a replayed acceptance (the same link again) is refused and bills nothing more
    with pytest.raises(NotFound):
        services.milestone_accept_by_link(token=token, name="Carl Customer")
    assert BillableEvent.objects.count() == 1
    assert OutboxMessage.objects.filter(target="billing").count() == 1


def test_passive_acceptance_after_five_business_days_skips_the_customer_holiday(
    project: Any, people: Any, frozen_clock: Any
) -> None:
    m2 = project.milestones.get(position=2)
    # Wed 2026-12-23 10:00 New York: Christmas Day (Fri 25) is a holiday → due Thu 2026-12-31 10:00
    frozen_clock.set(datetime(2026, 12, 23, 15, 0, tzinfo=UTC))
    services.milestone_complete(milestone_id=m2.pk, actor=people.paula)
    timer = SlaTimer.objects.for_target(m2).get()
    assert timer.due_at == datetime(2026, 12, 31, 15, 0, tzinfo=UTC)

    frozen_clock.set(datetime(2026, 12, 30, 15, 0, tzinfo=UTC))  # 4 business days: not yet
    assert sla_sweep().handled == 0
    m2.refresh_from_db()
    assert m2.status == "awaiting_acceptance"

    frozen_clock.set(datetime(2026, 12, 31, 15, 0, tzinfo=UTC))
    first = sla_sweep()
    again = sla_sweep()  # a second (racing or repeated) sweep changes nothing
    m2.refresh_from_db()
    assert (first.handled, first.breached, again.handled) == (1, 0, 0)
    assert (m2.status, m2.acceptance) == ("accepted", "passive")
    assert BillableEvent.objects.get(milestone=m2).acceptance == "passive"
    assert services.milestone_accept_passively(timer, frozen_clock()) is None  # handed twice: no-op
    assert BillableEvent.objects.filter(milestone=m2).count() == 1
    assert OutboxMessage.objects.filter(target="billing").count() == 1
    assert not AcceptanceLink.objects.filter(milestone=m2, revoked_at__isnull=True, used_at__isnull=True).exists()


def test_a_nonconformity_needs_a_reason_and_sends_the_milestone_back(project: Any, people: Any) -> None:
    m1 = project.milestones.get(position=1)
    services.milestone_complete(milestone_id=m1.pk, actor=people.paula)
    token = _token(m1)
    with pytest.raises(ValidationFailed) as err:
        services.milestone_nonconformity_report(token=token, name="Carl", reason="  ")
    assert err.value.details == {"field": "reason"}
    nc = services.milestone_nonconformity_report(token=token, name="Carl", reason="Geo replica is not syncing.")
    m1.refresh_from_db()
    assert (m1.status, nc.reason) == ("in_progress", "Geo replica is not syncing.")
    assert SlaTimer.objects.for_target(m1).get().state == "stopped"
    assert not BillableEvent.objects.exists()
    with pytest.raises(NotFound):  # the link is spent
        services.milestone_accept_by_link(token=token, name="Carl")
    services.milestone_complete(milestone_id=m1.pk, actor=people.paula)  # fixed: a new notice
    assert services.milestone_accept_by_link(token=_token(m1), name="Carl").status == "accepted"


def test_an_expired_or_forged_link_is_refused(project: Any, people: Any, frozen_clock: Any) -> None:
    m1 = project.milestones.get(position=1)
    services.milestone_complete(milestone_id=m1.pk, actor=people.paula)
    token = _token(m1)
    with pytest.raises(NotFound):
        services.milestone_accept_by_link(token=token[:-2] + "xx", name="Carl")
    frozen_clock.set(frozen_clock() + timedelta(days=31))
    with pytest.raises(NotFound):
        services.milestone_accept_by_link(token=token, name="Carl")
    assert not BillableEvent.objects.exists()


def test_only_the_project_manager_completes_and_only_on_an_active_project(project: Any, people: Any) -> None:
    from psdesk.projects.models import Project

    m1 = project.milestones.get(position=1)
    with pytest.raises(PermissionDenied):
        services.milestone_complete(milestone_id=m1.pk, actor=people.cody)
    with pytest.raises(PermissionDenied):
        services.milestone_complete(milestone_id=m1.pk, actor=people.olga)
    Project.objects.filter(pk=project.pk).update(status="on_hold")
    with pytest.raises(TransitionNotAllowed, match="needs an Active project"):
        services.milestone_complete(milestone_id=m1.pk, actor=people.paula)
    assert not OutboxMessage.objects.filter(event="milestone.completion_notice").exists()
    assert not AuditEvent.objects.filter(verb="delivery.complete").exists()


def test_the_database_refuses_a_second_billable_event_for_a_milestone(project: Any) -> None:
    m1 = project.milestones.get(position=1)
    BillableEvent.objects.create(
        milestone=m1, ref="a", amount=m1.fee, currency="USD", acceptance="explicit", service_date="2026-11-27"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BillableEvent.objects.create(
            milestone=m1, ref="b", amount=m1.fee, currency="USD", acceptance="passive", service_date="2026-11-27"
        )
    again = services.billable_event_create(milestone=m1, acceptance="passive")
    assert (again.ref, BillableEvent.objects.count()) == ("a", 1)


def test_project_budget_is_the_agreed_estimate_without_change_orders(project: Any) -> None:
    from psdesk.delivery.selectors import project_budget

    b = project_budget(project)
    assert (b.hours, b.fee, b.cost, b.currency, b.agreed_version, b.change_orders) == (
        Decimal("88.00"),
        Decimal("29040.00"),
        Decimal("10560.00"),
        "USD",
        1,
        (),
    )
