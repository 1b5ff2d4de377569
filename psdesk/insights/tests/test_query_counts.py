"""Query-count baselines (tests/query_counts.json) of the insights lists, measured at two data sizes
with one baseline each: search, the audit search, an object's history, the four exports (CSV and
XLSX) and their API counterparts stay flat in N."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.engagements.models import Engagement
from psdesk.estimates.choices import VersionStatus
from psdesk.estimates.models import EstimateVersion
from psdesk.insights.selectors.search import PER_GROUP
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project
from psdesk.scheduling.models import DemandLine, QueueEntry

pytestmark = pytest.mark.django_db

EXPORTS = ("board", "queue", "estimates", "projects")


def _grow(n: int, *, people: Any, make_account: Any, make_engagement: Any) -> Engagement:
    for i in range(Engagement.objects.count(), n):
        acc = make_account(f"Findable {i:02}", em=people.erin)
        eng = make_engagement(acc)
        opp = Opportunity.objects.create(
            name=f"Findable {i:02} PS", account=acc, owner=people.alice, stage=OpportunityStage.CLOSED_WON
        )
        Project.objects.create(
            name=f"Findable {i:02} project", account=acc, opportunity=opp, engagement=eng, coordinator=people.paula,
            status=ProjectStatus.ACTIVE, budget=Decimal(9000), booked_at=clock.now() - timedelta(days=3),
        )  # fmt: skip
        entry = QueueEntry.objects.create(
            title=f"Findable {i:02} PS", account=acc, opportunity=opp, closed_won_at=clock.now()
        )
        DemandLine.objects.create(entry=entry, role="PSE", hours=Decimal(40), weekly_hours=Decimal(20))
        EstimateVersion.objects.create(
            engagement=eng, number=1, status=VersionStatus.SHARED, priced_on=clock.today(), price=Decimal(1000 + i)
        )
    first = Engagement.objects.order_by("id").first()
    assert first is not None
    return first


def test_insights_lists_are_flat(people: Any, api: Any, make_account: Any, make_engagement: Any) -> None:
    counts = FlatBaselines(__file__)
    web = Client()
    web.force_login(people.oscar)
    oscar = api("oscar")
    have = 0
    # Search lists PER_GROUP hits per group and counts a group only when it is full: measure it at
    # two sizes past that page (the other lists at SIZES).
    search_sizes = (PER_GROUP + 1, SIZES[-1])
    for n in sorted({*SIZES, *search_sizes}):
        first = _grow(n, people=people, make_account=make_account, make_engagement=make_engagement)
        with transaction.atomic():
            for i in range(have, n):
                audit_record(
                    verb="engagement.label_set", actor=people.erin, target=first,
                    before={"label": ""}, after={"label": f"Risk {i:02}"}, reason=f"Because {i:02}",
                )  # fmt: skip
        have = n
        counts.at(n)
        last = f"Findable {n - 1:02}"
        if n in search_sizes:
            counts.measure("insights.search", web.get, "/search/?q=Findable", "Findable")
            counts.measure("api.search", oscar.get, "/api/v1/search", "Findable", q="Findable")
        if n not in SIZES:
            continue
        counts.measure("insights.audit", web.get, "/audit/", f"Because {n - 1:02}")
        counts.measure("api.audit.events", oscar.get, "/api/v1/audit/events", f"Because {n - 1:02}")
        counts.measure("insights.history", web.get, f"/history/engagement/{first.pk}/", f"Because {n - 1:02}")
        counts.measure("api.history", oscar.get, f"/api/v1/history/engagement/{first.pk}", f"Because {n - 1:02}")
        for what in EXPORTS:
            counts.measure(f"insights.export.{what}", web.get, f"/exports/{what}.csv", last)
            counts.measure(f"insights.export.{what}.xlsx", web.get, f"/exports/{what}.xlsx")
            counts.measure(f"api.exports.{what}", oscar.get, f"/api/v1/exports/{what}")
    counts.check()
