from __future__ import annotations

from typing import Any

import pytest

from psdesk.core.demo import DemoContext
from psdesk.scoping import demo

pytestmark = pytest.mark.django_db


def test_demo_creates_a_combined_and_a_pubsec_request(people: Any, make_account: Any) -> None:
    from psdesk.crm.models import Territory

    acme = make_account("Acme Corp", em=people.erin)
    agency = make_account("Agency", pubsec=True, em=people.pat)
    west = Territory.objects.create(name="West", engagement_manager=people.emil)
    ctx = DemoContext(objects={"users": dict(people), "accounts": [acme, agency], "territories": {"West": west}})
    demo.load(ctx)
    acme_eng, agency_eng = ctx.objects["scoping_engagements"]
    assert acme_eng.em == people.erin and acme_eng.ssot_rows.count() == 34
    assert agency_eng.em == people.pat
    assert sorted(agency_eng.labels.values_list("name", flat=True)) == ["Public Sector US", "Services Calculator"]
