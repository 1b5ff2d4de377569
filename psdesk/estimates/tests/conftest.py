"""Estimates fixtures: a fake rate card (in place of psdesk.catalog), the calculator
draft (stands in for psdesk.scoping), a notification recorder, and helpers that build versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from psdesk.core.errors import ValidationFailed

BILL = {
    "PSE": Decimal("300"),
    "PM": Decimal("250"),
    "TA": Decimal("350"),
    "Trainer": Decimal("280"),
    "EM": Decimal("250"),
}
COST = {
    "PSE": Decimal("120.00"),
    "PM": Decimal("110.00"),
    "TA": Decimal("150.00"),
    "Trainer": Decimal("100.00"),
    "EM": Decimal("115.00"),
}
COST_QUARTERS = {(2026, 4), (2027, 1)}


def fake_bill_rate(*, role: str, currency: str = "USD") -> Decimal:
    if role not in BILL:
        raise ValidationFailed(f"No bill rate for role '{role}' in {currency}.", details={"role": role})
    return BILL[role]


def fake_cost_rate(*, role: str, on: date) -> Decimal:
    q = (on.year, (on.month - 1) // 3 + 1)
    if role not in COST or q not in COST_QUARTERS:
        raise ValidationFailed(
            f"No standard cost rate for role '{role}' in {q[0]}-Q{q[1]}.",
            details={"role": role, "quarter": f"{q[0]}-Q{q[1]}"},
        )
    return COST[role]


def fake_list_rate(currency: str = "USD") -> Decimal:
    return Decimal("330")


@dataclass
class FakeDraftLine:
    activity: str
    description: str
    role: str
    hours: Decimal
    delivery: str
    provenance: tuple[str, ...]
    service_type: str = "implementation"


DRAFT = [
    FakeDraftLine("Kick-off and planning", "Plan the engagement", "PM", Decimal("8"), "remote", ("rule:kickoff",)),
    FakeDraftLine(
        "Install GitLab", "Reference architecture 3k", "PSE", Decimal("40"), "remote", ("ssot:users", "rule:ra3k")
    ),
    FakeDraftLine("Migration wave 1", "Up to 200 projects", "PSE", Decimal("32"), "onsite", ("ssot:repos",)),
]


class Notes(list[dict[str, Any]]):
    def events(self) -> list[str]:
        return [n["event"] for n in self]


@pytest.fixture
def real_rates() -> None:
    """Ask for this to price with the catalog's seeded rate card instead of the fixed test rates."""


@pytest.fixture(autouse=True)
def rates(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    from psdesk.estimates import rates as r

    if "real_rates" in request.fixturenames:
        return

    monkeypatch.setattr(r, "bill_rate_get", fake_bill_rate)
    monkeypatch.setattr(r, "cost_rate_get", fake_cost_rate)
    monkeypatch.setattr(r, "list_rate_get", fake_list_rate)
    # the one-query preloads find nothing, so every role goes through the fixed test rates above
    monkeypatch.setattr(r, "bill_rates_get", lambda **_: {})
    monkeypatch.setattr(r, "cost_rates_get", lambda **_: {})


@pytest.fixture(autouse=True)
def draft(monkeypatch: pytest.MonkeyPatch) -> list[FakeDraftLine]:
    from psdesk.estimates import services

    lines = list(DRAFT)

    def fake(engagement: Any) -> list[Any]:
        return [
            services.LineData(
                activity=d.activity,
                role=d.role,
                hours=d.hours,
                description=d.description,
                delivery=d.delivery,
                provenance=d.provenance,
                service_type=d.service_type,
            )
            for d in lines
        ]

    monkeypatch.setattr(services, "draft_lines_for", fake)
    return lines


@pytest.fixture(autouse=True)
def notes(monkeypatch: pytest.MonkeyPatch) -> Notes:
    from psdesk.estimates import services

    sent = Notes()

    real = services._notify

    def record(**kw: Any) -> None:
        sent.append({**kw, "recipients": [getattr(u, "username", u) for u in kw.get("recipients", ())]})
        real(**kw)  # and through the real outbox, so an unregistered event fails here

    monkeypatch.setattr(services, "_notify", record)
    return sent


@pytest.fixture
def strawman(make_engagement: Any) -> Any:
    """An engagement of erin's at Strawman WIP (placed there directly: the scoping guards are not under test)."""
    from psdesk.engagements.choices import EngagementStatus
    from psdesk.engagements.models import Engagement

    eng = make_engagement()
    Engagement.objects.filter(pk=eng.pk).update(state=EngagementStatus.STRAWMAN_WIP)
    eng.refresh_from_db()
    return eng


def L(activity: str, role: str, hours: str, **kw: Any) -> Any:
    from psdesk.estimates.services import LineData

    return LineData(activity=activity, role=role, hours=Decimal(hours), **kw)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    """Stored renderings go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT
