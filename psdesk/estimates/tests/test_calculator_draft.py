"""Version 1 from the real Services Calculator draft (psdesk.scoping) priced with the real rate card."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from psdesk.scoping.selectors import draft_estimate_lines

pytestmark = pytest.mark.django_db

ANSWERS = {
    "license_tier": "Premium",
    "install_type": "New",
    "users": 3250,
    "ha_required": "yes",
    "geo": "yes",
    "hosting": "AWS",
    "air_gapped": "no",
    "integrations": 3,
}


def test_version_one_takes_every_calculator_line_with_its_provenance(
    real_rates: None, people: Any, make_account: Any, monkeypatch: pytest.MonkeyPatch, frozen_clock: Any
) -> None:
    from psdesk.estimates import services
    from psdesk.scoping.questionnaires import questionnaires_ensure
    from psdesk.scoping.services import scoping_request_submit

    monkeypatch.undo()  # drop the stand-in draft and rates: this test uses the real apps
    questionnaires_ensure()
    acc = make_account("Initech", em=people.erin)
    result = scoping_request_submit(
        requester=people.sam, service_types=["implementation"], answers={"implementation": ANSWERS}, account_id=acc.pk
    )
    eng = result.engagement
    draft = draft_estimate_lines(engagement=eng)
    assert draft, "the calculator produced no draft lines for these answers"
    v = services.estimate_version_create(engagement_id=eng.pk, actor=people.erin)
    lines = list(v.lines.order_by("position"))
    assert [(ln.activity, ln.role, ln.hours, ln.delivery, tuple(ln.provenance)) for ln in lines] == [
        (d.activity, d.role, Decimal(d.hours).quantize(Decimal("0.01")), d.delivery, tuple(d.provenance)) for d in draft
    ]
    assert all(ln.rate == Decimal("330.00") for ln in lines)
    assert v.price == sum((ln.price for ln in lines), Decimal("0"))
