"""`draft_estimate_lines` — the contract the estimates app builds on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from psdesk.scoping.effort import DraftLine
from psdesk.scoping.models import SsotRow
from psdesk.scoping.selectors import draft_estimate_lines

pytestmark = pytest.mark.django_db


def test_an_engagement_without_an_ssot_table_has_no_draft_lines(make_engagement: Any) -> None:
    assert draft_estimate_lines(engagement=make_engagement()) == []


def test_draft_lines_come_from_the_ssot_answers(make_engagement: Any) -> None:
    eng = make_engagement()
    SsotRow.objects.create(
        engagement=eng, service_type="implementation", key="integrations", text="Integrations",
        answer_type="number", response="3", position=1,
    )  # fmt: skip
    SsotRow.objects.create(
        engagement=eng, service_type="implementation", key="geo", text="Geo", answer_type="yes_no", response="to-do",
        position=2,
    )  # fmt: skip
    lines = draft_estimate_lines(engagement=eng)
    assert all(isinstance(ln, DraftLine) for ln in lines)
    integ = next(ln for ln in lines if ln.activity == "impl_integrations")
    assert integ == DraftLine(
        activity="impl_integrations",
        description="Integrations (LDAP/SSO, Jira, Jenkins, ...)",
        role="PSE",
        hours=Decimal("24.00"),
        delivery="remote",
        provenance=("+24 h because integrations = 3 (8 h each)",),
        service_type="implementation",
    )
    assert not any(ln.activity == "impl_geo" for ln in lines)
