"""Query-count baselines (tests/query_counts.json) of the SOW lists, measured at two data sizes with
one baseline each: the engagement's SOW page (versions, markups, legal cases) and the versions,
markups and legal-cases API lists stay flat in N. One version is generated through the service; the
others are copies of its row (the lists read rows, not documents)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.sows.models import LegalCase, Markup, SowVersion
from psdesk.sows.services import sow_generate

pytestmark = pytest.mark.django_db


def test_sow_lists_are_flat(people: Any, api: Any, sow_wip: Any) -> None:
    counts = FlatBaselines(__file__)
    web = Client()
    web.force_login(people.erin)
    erin = api("erin")
    v1 = sow_generate(engagement_id=sow_wip.pk, actor=people.erin)
    sow = v1.sow
    for n in SIZES:
        for i in range(SowVersion.objects.filter(sow=sow).count(), n):
            v = SowVersion.objects.get(pk=v1.pk)
            v.pk, v.number = None, i + 1
            v.save()
        for v in SowVersion.objects.filter(sow=sow).exclude(markups__isnull=False):
            Markup.objects.create(version=v, file=v.docx.name, sha256="0" * 64, uploaded_by=people.lena)
            LegalCase.objects.create(sow=sow, version=v, reviewer=people.lena, content_hash=v.content_hash, note="ok")
        counts.at(n)
        counts.measure("sows.engagement", web.get, f"/sows/engagements/{sow_wip.pk}/")
        counts.measure("api.sows.versions", erin.get, f"/api/v1/sows/{sow.pk}/versions")
        assert len(erin.get(f"/api/v1/sows/{sow.pk}/versions").json()) == n
        counts.measure("api.sows.markups", erin.get, f"/api/v1/sows/{sow.pk}/markups")
        assert len(erin.get(f"/api/v1/sows/{sow.pk}/markups").json()) == n
        counts.measure("api.sows.legal-cases", erin.get, f"/api/v1/sows/{sow.pk}/legal-cases")
    counts.check()
