"""Query-count baselines (tests/query_counts.json) of the delivery lists, measured at two data sizes
with one baseline each: the delivery projects page, the billable-events API list and a project's
change orders stay flat in N."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.delivery.choices import AcceptanceKind, ChangeOrderStatus, MilestoneStatus
from psdesk.delivery.models import BillableEvent, ChangeOrder, Milestone
from psdesk.estimates.choices import VersionStatus
from psdesk.estimates.models import EstimateVersion
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project

pytestmark = pytest.mark.django_db


def _project(i: int, *, people: Any, account: Any, engagement: Any = None) -> Project:
    opp = Opportunity.objects.create(
        name=f"Deliver {i:02} PS", account=account, owner=people.alice, stage=OpportunityStage.CLOSED_WON
    )
    return Project.objects.create(
        name=f"Deliver {i:02}", account=account, opportunity=opp, engagement=engagement, status=ProjectStatus.ACTIVE,
        coordinator=people.paula, budget=Decimal("9240.00"), booked_at=clock.now() - timedelta(days=20),
    )  # fmt: skip


def test_delivery_lists_are_flat(people: Any, api: Any, make_account: Any, make_engagement: Any) -> None:
    counts = FlatBaselines(__file__)
    web = Client()
    web.force_login(people.erin)
    erin = api("erin")
    eng = make_engagement(make_account("Changing"))
    base = EstimateVersion.objects.create(
        engagement=eng, number=1, status=VersionStatus.SHARED, priced_on=clock.today(), price=Decimal(1000)
    )
    changing = _project(99, people=people, account=eng.account, engagement=eng)
    for n in SIZES:
        for i in range(Milestone.objects.count(), n):
            p = _project(i, people=people, account=make_account(f"Deliver {i:02}", em=people.erin))
            m = Milestone.objects.create(
                project=p, position=1, name=f"Go-live {i:02}", fee=Decimal(5000), status=MilestoneStatus.ACCEPTED,
                completed_by=people.paula, completed_at=clock.now(), accepted_at=clock.now(),
            )  # fmt: skip
            BillableEvent.objects.create(
                milestone=m, ref=f"BE-{i:02}", amount=Decimal(5000), currency="USD",
                acceptance=AcceptanceKind.EXPLICIT, service_date=clock.today(),
            )  # fmt: skip
            v = EstimateVersion.objects.create(
                engagement=eng, number=i + 2, status=VersionStatus.SHARED, priced_on=clock.today(), price=Decimal(2000)
            )
            ChangeOrder.objects.create(
                project=changing, number=i + 1, estimate_version=v, base_version=base, reason=f"Change {i:02}",
                status=ChangeOrderStatus.WITHDRAWN, content_hash="0" * 64, created_by=people.erin,
                expires_at=clock.now() + timedelta(days=30),
            )  # fmt: skip
        counts.at(n)
        counts.measure("delivery.index", web.get, "/delivery/", f"Deliver {n - 1:02}")
        counts.measure("api.delivery.billable-events", erin.get, "/api/v1/delivery/billable-events", f"BE-{n - 1:02}")
        cos = f"/api/v1/delivery/projects/{changing.pk}/change-orders"
        counts.measure("api.delivery.projects.change-orders", erin.get, cos, f"Change {n - 1:02}")
    counts.check()
