from __future__ import annotations

from typing import Any

import pytest

from psdesk.core.demo import DemoContext
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.scheduling import demo
from psdesk.scheduling.models import Consultant, ForecastResult, QueueEntry

pytestmark = pytest.mark.django_db


def test_demo_loads_a_team_a_queue_and_a_forecast(people: Any, make_account: Any, frozen_clock: Any) -> None:
    accounts = [make_account(f"Customer {i}", pubsec=i == 3) for i in range(10)]
    pipe = Opportunity.objects.create(name="Pipe", account=accounts[9], stage=OpportunityStage.NEGOTIATING)
    ctx = DemoContext(objects={"users": dict(people), "accounts": accounts, "ps_opportunities": [pipe]})
    demo.load(ctx)
    assert Consultant.objects.count() == len(demo.TEAM)
    assert QueueEntry.objects.filter(kind="committed").count() == 8
    assert QueueEntry.objects.filter(kind="tentative").count() == 1
    results = ForecastResult.objects.all()
    assert results.count() == 9
    assert all(r.binding for r in results)
    # the PubSec customer's project is staffed only with cleared consultants
    gov = ForecastResult.objects.get(entry__account=accounts[3])
    cleared = set(Consultant.objects.filter(cleared=True, us_citizen=True).values_list("id", flat=True))
    assert gov.consultants and {cid for cid, _ in gov.consultants} <= cleared
