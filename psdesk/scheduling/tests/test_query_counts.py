"""Query-count baselines (tests/query_counts.json) of the scheduling lists, measured at two data sizes
with one baseline each: the delivery queue, the resource directory, the skill matrix, time off (mine
and the coordinator's) and their API lists, an entry's candidates and allocations stay flat in N."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.scheduling.choices import AllocationKind, TimeOffStatus
from psdesk.scheduling.models import (
    Allocation,
    Consultant,
    ConsultantSkill,
    DemandLine,
    QueueEntry,
    Skill,
    TimeOff,
)

pytestmark = pytest.mark.django_db


def _grow(n: int, *, people: Any, make_account: Any, cody: Consultant, skill: Skill) -> QueueEntry:
    today = clock.today()
    for i in range(QueueEntry.objects.count(), n):
        acc = make_account(f"Queued {i}")
        opp = Opportunity.objects.create(
            name=f"Queued {i} PS", account=acc, owner=people.alice, stage=OpportunityStage.CLOSED_WON
        )
        entry = QueueEntry.objects.create(
            title=f"Queued {i} PS", account=acc, opportunity=opp, closed_won_at=clock.now(),
            desired_start=today + datetime.timedelta(days=14),
        )  # fmt: skip
        DemandLine.objects.create(entry=entry, role="PSE", hours=Decimal(80), weekly_hours=Decimal(20))
        c = Consultant.objects.create(name=f"Consultant {i}", email=f"c{i}@example.com", role="PSE")
        ConsultantSkill.objects.create(consultant=c, skill=skill, level=1 + i % 5)
        first = QueueEntry.objects.order_by("id").first() or entry
        for e in {entry, first}:
            Allocation.objects.create(
                entry=e, consultant=c, kind=AllocationKind.SOFT, starts_on=today, weekly_hours=Decimal(8),
                ends_on=today + datetime.timedelta(days=28), created_by=people.paula,
            )  # fmt: skip
        away = today + datetime.timedelta(days=30 + 7 * i)
        TimeOff.objects.create(consultant=c, starts_on=away, ends_on=away, reason=f"Away {i}", requested_by=people.tom)
        TimeOff.objects.create(
            consultant=cody, starts_on=away, ends_on=away, reason=f"Mine {i}", requested_by=people.cody,
            status=TimeOffStatus.APPROVED, decided_by=people.paula, decided_at=clock.now(),
        )  # fmt: skip
    oldest = QueueEntry.objects.order_by("id").first()
    assert oldest is not None
    return oldest


def test_scheduling_lists_are_flat(people: Any, api: Any, make_account: Any, frozen_clock: Any) -> None:
    counts = FlatBaselines(__file__)
    paula_web, cody_web = Client(), Client()
    paula_web.force_login(people.paula)
    cody_web.force_login(people.cody)
    paula, cody_api = api("paula"), api("cody")
    cody = Consultant.objects.create(user=people.cody, name="Cody", email="cody-c@example.com", role="PSE")
    skill = Skill.objects.create(name="kubernetes")
    for n in SIZES:
        first = _grow(n, people=people, make_account=make_account, cody=cody, skill=skill)
        counts.at(n)
        last = f"Queued {n - 1} PS"
        counts.measure("scheduling.queue", paula_web.get, "/scheduling/", last)
        counts.measure("scheduling.resources", paula_web.get, "/scheduling/resources/", f"Consultant {n - 1}")
        counts.measure("scheduling.skill_matrix", paula_web.get, "/scheduling/resources/skills/")
        counts.measure("scheduling.time_off_mine", cody_web.get, "/scheduling/time-off/", f"Mine {n - 1}")
        counts.measure("scheduling.time_off_requests", paula_web.get, "/scheduling/time-off/requests/", f"Away {n - 1}")
        counts.measure("api.scheduling.queue", paula.get, "/api/v1/scheduling/queue", last)
        counts.measure("api.scheduling.consultants", paula.get, "/api/v1/scheduling/consultants", f"Consultant {n - 1}")
        cand = f"/api/v1/scheduling/queue/{first.pk}/candidates"
        counts.measure("api.scheduling.queue.candidates", paula.get, cand, f"Consultant {n - 1}")
        allocs = f"/api/v1/scheduling/queue/{first.pk}/allocations"
        counts.measure("api.scheduling.queue.allocations", paula.get, allocs)
        assert len(paula.get(allocs).json()) == n
        counts.measure("api.scheduling.me.time-off", cody_api.get, "/api/v1/scheduling/me/time-off", f"Mine {n - 1}")
        counts.measure("api.scheduling.time-off", paula.get, "/api/v1/scheduling/time-off", f"Away {n - 1}")
    counts.check()
