"""Versions: v1 from the calculator draft, editing drafts, freezing on share, optimistic concurrency,
and the bad-input list."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from psdesk.estimates.models import EstimateLine, EstimateVersion
from psdesk.estimates.services import (
    estimate_version_create,
    estimate_version_share,
    estimate_version_update,
)
from psdesk.estimates.tests.conftest import L

pytestmark = pytest.mark.django_db


def test_version_one_comes_from_the_calculator_draft_priced_at_the_list_rate(
    people: Any, strawman: Any, frozen_clock: Any
) -> None:
    v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin)
    assert (v.number, v.status, v.pricing_model) == (1, "draft", "fixed_fee")
    lines = list(v.lines.order_by("position"))
    assert [(ln.activity, ln.role, ln.hours, ln.rate, ln.price, ln.provenance) for ln in lines] == [
        ("Kick-off and planning", "PM", Decimal("8.00"), Decimal("330.00"), Decimal("2640.00"), ["rule:kickoff"]),
        (
            "Install GitLab",
            "PSE",
            Decimal("40.00"),
            Decimal("330.00"),
            Decimal("13200.00"),
            ["ssot:users", "rule:ra3k"],
        ),
        ("Migration wave 1", "PSE", Decimal("32.00"), Decimal("330.00"), Decimal("10560.00"), ["ssot:repos"]),
    ]
    assert lines[2].delivery == "onsite"
    assert (v.hours, v.price, v.cost, v.margin) == (
        Decimal("80.00"),
        Decimal("26400.00"),
        Decimal("9520.00"),
        Decimal("0.6394"),
    )
    ev = AuditEvent.objects.get(verb="estimates.version_created")
    assert ev.actor_id == people.erin.pk
    assert ev.after["number"] == 1 and ev.after["price"] == "26400.00" and ev.after["lines"] == 3


def test_time_and_materials_prices_each_role_at_its_bill_rate(people: Any, strawman: Any, frozen_clock: Any) -> None:
    v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin, pricing_model="tm")
    assert [ln.rate for ln in v.lines.order_by("position")] == [Decimal("250.00"), Decimal("300.00"), Decimal("300.00")]
    assert v.price == Decimal("23600.00")  # 8 x 250 + 72 x 300


def test_editing_a_draft_reprices_it_keeps_or_marks_provenance_and_bumps_the_revision(
    people: Any, strawman: Any, frozen_clock: Any
) -> None:
    v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin)
    v = estimate_version_update(
        version_id=v.pk,
        actor=people.erin,
        revision=0,
        lines=[
            L("Install GitLab", "PSE", "48", provenance=("ssot:users",)),
            L("Runbook", "PSE", "4.5", description="Hand-over runbook"),
        ],
        assumptions="Customer provides VMs\nSSO via Okta",
        out_of_scope="Geo",
    )
    assert v.revision == 1
    assert [(ln.activity, ln.hours, ln.provenance) for ln in v.lines.order_by("position")] == [
        ("Install GitLab", Decimal("48.00"), ["ssot:users"]),
        ("Runbook", Decimal("4.50"), ["manual"]),
    ]
    assert (v.price, v.assumptions, v.out_of_scope) == (
        Decimal("17325.00"),
        "Customer provides VMs\nSSO via Okta",
        "Geo",
    )
    ev = AuditEvent.objects.get(verb="estimates.version_edited")
    assert (ev.before["price"], ev.after["price"], ev.after["revision"]) == ("26400.00", "17325.00", 1)


def test_a_stale_revision_is_refused_and_changes_nothing(people: Any, strawman: Any, frozen_clock: Any) -> None:
    v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin)
    estimate_version_update(version_id=v.pk, actor=people.erin, revision=0, assumptions="first")
    audits = AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        estimate_version_update(version_id=v.pk, actor=people.emil, revision=0, lines=[L("X", "PSE", "1")])
    assert exc.value.code == "stale"
    v.refresh_from_db()
    assert (v.revision, v.assumptions, v.lines.count()) == (1, "first", 3)
    assert AuditEvent.objects.count() == audits


def test_a_new_version_against_a_stale_latest_number_is_refused(people: Any, strawman: Any, frozen_clock: Any) -> None:
    estimate_version_create(engagement_id=strawman.pk, actor=people.erin, expected_latest=0)
    with pytest.raises(Conflict, match="v1 was saved"):
        estimate_version_create(engagement_id=strawman.pk, actor=people.emil, expected_latest=0)
    assert EstimateVersion.objects.filter(engagement=strawman).count() == 1


def test_editing_a_shared_version_is_refused_create_a_new_version_instead(
    people: Any, strawman: Any, frozen_clock: Any
) -> None:
    v1 = estimate_version_create(engagement_id=strawman.pk, actor=people.erin)
    estimate_version_share(version_id=v1.pk, actor=people.erin)
    audits = AuditEvent.objects.count()
    with pytest.raises(Conflict, match="create a new version") as exc:
        estimate_version_update(version_id=v1.pk, actor=people.erin, revision=0, lines=[L("X", "PSE", "1")])
    assert exc.value.code == "version_shared"
    assert v1.lines.count() == 3 and AuditEvent.objects.count() == audits
    v2 = estimate_version_create(engagement_id=strawman.pk, actor=people.erin, based_on_id=v1.pk, expected_latest=1)
    assert (v2.number, v2.status, v2.based_on_id, v2.lines.count(), v2.price) == (2, "draft", v1.pk, 3, v1.price)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (L("Install", "PSE", "0"), "Line 2: hours must be greater than zero"),
        (L("Install", "PSE", "-8"), "Line 2: hours must be greater than zero"),
        (L("Install", "PSE", "1.125"), "Line 2: hours carry at most 2 decimals"),
        (L("Install", "Wizard", "8"), "No standard cost rate for role 'Wizard' in 2026-Q4."),
        (L("", "PSE", "8"), "Line 2: an activity is required."),
        (L("Install", "PSE", "8", delivery="moon"), "Line 2: delivery must be remote or onsite."),
    ],
)
def test_bad_lines_are_refused_with_a_clear_message_and_nothing_is_written(
    people: Any, strawman: Any, frozen_clock: Any, line: Any, message: str
) -> None:
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        estimate_version_create(engagement_id=strawman.pk, actor=people.erin, lines=[L("Plan", "PM", "2"), line])
    assert exc.value.message.startswith(message)
    assert EstimateVersion.objects.count() == 0 and EstimateLine.objects.count() == 0
    assert AuditEvent.objects.count() == audits


def test_time_and_materials_refuses_a_role_without_a_bill_rate(people: Any, strawman: Any, frozen_clock: Any) -> None:
    with pytest.raises(ValidationFailed, match="No bill rate for role 'Wizard'"):
        estimate_version_create(
            engagement_id=strawman.pk, actor=people.erin, pricing_model="tm", lines=[L("Spell", "Wizard", "2")]
        )


def test_a_missing_cost_rate_card_for_the_quarter_names_role_and_quarter(
    people: Any, strawman: Any, frozen_clock: Any
) -> None:
    frozen_clock.set(datetime(2027, 7, 1, 9, tzinfo=UTC))
    with pytest.raises(ValidationFailed) as exc:
        estimate_version_create(engagement_id=strawman.pk, actor=people.erin)
    assert exc.value.message == "No standard cost rate for role 'PM' in 2027-Q3."
    assert exc.value.details == {"role": "PM", "quarter": "2027-Q3"}


def test_money_with_more_than_two_decimals_is_refused(people: Any, strawman: Any, monkeypatch: Any) -> None:
    from psdesk.estimates import rates

    monkeypatch.setattr(rates, "list_rate_get", lambda currency="USD": Decimal("330.005"))
    with pytest.raises(ValidationFailed, match="at most 2 decimals of money"):
        estimate_version_create(engagement_id=strawman.pk, actor=people.erin)


def test_only_engagement_managers_write_estimates(people: Any, strawman: Any) -> None:
    for who in ("tara", "alice", "olga"):
        with pytest.raises(PermissionDenied):
            estimate_version_create(engagement_id=strawman.pk, actor=people[who])
    assert EstimateVersion.objects.count() == 0


def test_a_shared_version_without_lines_cannot_be_shared(people: Any, strawman: Any, draft: list[Any]) -> None:
    draft.clear()
    v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin)
    with pytest.raises(ValidationFailed, match="without lines"):
        estimate_version_share(version_id=v.pk, actor=people.erin)
    v.refresh_from_db()
    assert v.status == "draft"
