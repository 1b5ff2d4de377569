"""Query-count baselines (tests/query_counts.json) of the SLA lists, measured at two data sizes with
one baseline each: the policies and calendars API lists and an engagement's timers stay flat in N."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.sla.models import Calendar, SlaPolicy, SlaTimer

pytestmark = pytest.mark.django_db


def test_sla_lists_are_flat(people: Any, api: Any, make_engagement: Any) -> None:
    from django.contrib.contenttypes.models import ContentType

    counts = FlatBaselines(__file__)
    eng = make_engagement()
    ct = ContentType.objects.get_for_model(type(eng))
    oscar, erin = api("oscar"), api("erin")
    now = clock.now()
    shared = Calendar.objects.create(key="qc-region", name="Region", country="US")
    base_cal, base_pol = Calendar.objects.count(), SlaPolicy.objects.count()
    base_timers = SlaTimer.objects.filter(target_type=ct, target_id=eng.pk).count()
    for n in SIZES:
        for i in range(Calendar.objects.count() - base_cal, n):
            cal = Calendar.objects.create(key=f"qc-{i}", name=f"Cal {i}", country="US")
            pol = SlaPolicy.objects.create(
                key=f"qc-{i}", name=f"Policy {i}", start_event="qc.start", stop_event="qc.stop",
                duration=Decimal(2), calendar=cal,
            )  # fmt: skip
            SlaTimer.objects.create(  # the engagement's timers share one calendar (its delivery region's)
                policy=pol, calendar=shared, target_type=ct, target_id=eng.pk,
                due_at=now + datetime.timedelta(days=3), warn_at=now + datetime.timedelta(days=2),
            )  # fmt: skip
        counts.at(n)
        assert SlaPolicy.objects.count() - base_pol == n
        counts.measure("api.sla.policies", oscar.get, "/api/v1/sla/policies", f"Policy {n - 1}")
        counts.measure("api.sla.calendars", oscar.get, "/api/v1/sla/calendars", f"Cal {n - 1}")
        timers = f"/api/v1/engagements/{eng.pk}/sla"
        counts.measure("api.engagements.sla", erin.get, timers)
        assert len(erin.get(timers).json()) == base_timers + n
    counts.check()
