"""Change orders: delta from a newer estimate version, the document, approvals on its content hash
(PS Leadership always, Revenue when the fee changes), the customer's signature and what execution
changes; a rejected or expired change changes nothing; none on a non-active project."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from psdesk.approvals.models import ApprovalRequest
from psdesk.approvals.services import approval_decide
from psdesk.audit.models import AuditEvent
from psdesk.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.delivery import services
from psdesk.delivery.models import ChangeOrder
from psdesk.delivery.selectors import project_budget
from psdesk.delivery.tests.conftest import SIGNER
from psdesk.notifications.models import OutboxMessage
from psdesk.projects.models import Project
from psdesk.sows import rendering
from psdesk.sows.tests.conftest import make_estimate

LINES = [
    ("Kick-off and planning", "PM", "8", "implementation"),
    ("Install GitLab", "PSE", "40", "implementation"),
    ("Migration wave 1", "PSE", "32", "migration"),
    ("GitLab CI/CD training", "Trainer", "8", "education"),
]


def _v2(project: Any, extra: tuple[str, str, str, str] = ("Geo replication", "PSE", "40", "implementation")) -> Any:
    return make_estimate(project.engagement, lines=[*LINES, extra], agreed=False)


def _snapshot(project: Any) -> tuple[Any, ...]:
    project.refresh_from_db()
    return (
        project.budget,
        list(project.tasks.values_list("name", "hours")),
        list(project.milestones.values_list("name", "fee")),
        project_budget(project),
    )


def _approve_all(co: ChangeOrder, people: Any) -> None:
    for req in ApprovalRequest.objects.for_target(co).filter(status="pending"):
        decider = people.leo if req.kind == "ps_leadership" else people.rita
        approval_decide(request_id=req.pk, decider=decider, approve=True, content_hash=co.content_hash)


def test_a_change_order_adds_40_hours_through_approvals_and_signature(project: Any, people: Any) -> None:
    v2 = _v2(project)
    with pytest.raises(PermissionDenied):
        services.change_order_create(
            project_id=project.pk, estimate_version_id=v2.pk, reason="More", actor=people.paula
        )
    with pytest.raises(ValidationFailed):
        services.change_order_create(project_id=project.pk, estimate_version_id=v2.pk, reason=" ", actor=people.erin)
    co = services.change_order_create(
        project_id=project.pk, estimate_version_id=v2.pk, reason="The customer adds a Geo site.", actor=people.erin
    )
    assert (co.code, co.status, co.hours_delta, co.fee_delta, co.cost_delta) == (
        f"CO-{project.pk}-1",
        "draft",
        Decimal("40.00"),
        Decimal("13200.00"),
        Decimal("4800.00"),
    )
    assert co.delta["lines"] == [
        {
            "kind": "added",
            "activity": "Geo replication",
            "role": "PSE",
            "hours_before": "0",
            "hours_after": "40",
            "fee_delta": "13200.00",
        }
    ]
    with co.pdf.open("rb") as fh:
        text = rendering.pdf_text(fh.read())
    assert "Added: Geo replication (PSE)" in text and "USD 13,200.00" in text and "SOW-" in text
    assert "margin" not in text.lower() and "cost" not in text.lower()  # customer-facing: hours and fees only

    services.change_order_submit(change_order_id=co.pk, actor=people.erin)
    kinds = set(ApprovalRequest.objects.for_target(co).values_list("kind", "content_hash"))
    assert kinds == {("ps_leadership", co.content_hash), ("revenue", co.content_hash)}
    leo_req = ApprovalRequest.objects.for_target(co).get(kind="ps_leadership")
    approval_decide(request_id=leo_req.pk, decider=people.leo, approve=True, content_hash=co.content_hash)
    co.refresh_from_db()
    assert co.status == "in_approval"  # Revenue still to decide
    _approve_all(co, people)
    co.refresh_from_db()
    assert co.status == "approved"

    services.change_order_send(change_order_id=co.pk, actor=people.erin)
    sent = OutboxMessage.objects.get(event="change_order.sent")
    assert sent.payload["to"] == [SIGNER] and sent.payload["attachments"][0]["filename"] == f"{co.code}.pdf"
    services.change_order_sign(change_order_id=co.pk, actor=people.erin, name="Carl Customer", title="CTO")
    co.refresh_from_db()
    assert co.status == "customer_signed"  # a paper signature too waits for the countersignature
    services.change_order_countersign(change_order_id=co.pk, actor=people.rita)
    co.refresh_from_db()
    assert co.status == "executed"

    project.refresh_from_db()
    assert project.budget == Decimal("29040.00") + Decimal("13200.00")
    b = project_budget(project)
    assert (b.hours, b.fee, b.change_orders) == (Decimal("128.00"), Decimal("42240.00"), (co.code,))
    assert ("Geo replication", Decimal("40.00")) in list(project.tasks.values_list("name", "hours"))
    m3 = project.milestones.get(position=3)
    assert (m3.name, m3.hours, m3.fee, m3.source, m3.status) == (
        f"Change order {co.code}",
        Decimal("40.00"),
        Decimal("13200.00"),
        "change_order",
        "in_progress",
    )
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"delivery.change_order_created", "change_orders.countersign", "projects.scope_changed"} <= verbs


def test_a_rejected_or_expired_change_changes_nothing(project: Any, people: Any, frozen_clock: Any) -> None:
    before = _snapshot(project)
    co = services.change_order_create(
        project_id=project.pk, estimate_version_id=_v2(project).pk, reason="Geo site", actor=people.erin
    )
    services.change_order_submit(change_order_id=co.pk, actor=people.erin)
    req = ApprovalRequest.objects.for_target(co).get(kind="ps_leadership")
    approval_decide(request_id=req.pk, decider=people.leo, approve=False, content_hash=co.content_hash, comment="No")
    co.refresh_from_db()
    assert co.status == "rejected"
    with pytest.raises(TransitionNotAllowed):
        services.change_order_send(change_order_id=co.pk, actor=people.erin)
    assert _snapshot(project) == before

    co2 = services.change_order_create(
        project_id=project.pk,
        estimate_version_id=_v2(project, ("Geo replication", "PSE", "24", "implementation")).pk,
        reason="Smaller Geo site",
        actor=people.erin,
    )
    services.change_order_submit(change_order_id=co2.pk, actor=people.erin)
    _approve_all(co2, people)
    frozen_clock.set(frozen_clock() + timedelta(days=31))
    with pytest.raises(TransitionNotAllowed, match="expired"):
        services.change_order_send(change_order_id=co2.pk, actor=people.erin)
    assert services.change_orders_expire() == 1
    co2.refresh_from_db()
    assert co2.status == "expired"
    assert _snapshot(project) == before


def test_no_change_order_on_a_project_that_is_not_active(project: Any, people: Any) -> None:
    v2 = _v2(project)
    for status in ("on_hold", "closed", "in_set_up"):
        Project.objects.filter(pk=project.pk).update(status=status)
        with pytest.raises(TransitionNotAllowed, match="Active projects"):
            services.change_order_create(
                project_id=project.pk, estimate_version_id=v2.pk, reason="x", actor=people.erin
            )
    assert not ChangeOrder.objects.exists()
    assert not AuditEvent.objects.filter(verb="delivery.change_order_created").exists()
