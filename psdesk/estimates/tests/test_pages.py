"""Estimate pages on an engagement (the EM's screens) and pricing with the real catalog rate card."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from psdesk.branding.testing import documents_worker_run
from psdesk.catalog.selectors import cost_rate_get
from psdesk.core import clock
from psdesk.core.errors import ValidationFailed
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.services import estimate_version_create
from psdesk.estimates.tests.conftest import L

pytestmark = pytest.mark.django_db


def _client(people: Any, who: str) -> Client:
    c = Client()
    c.force_login(people[who])
    return c


def test_an_em_creates_edits_shares_and_compares_on_the_pages(
    people: Any, strawman: Any, frozen_clock: Any, django_capture_on_commit_callbacks: Any, media: Any
) -> None:
    c = _client(people, "erin")
    base = f"/estimates/engagements/{strawman.pk}/"
    assert "No estimate yet." in c.get(base).content.decode()
    r = c.post(base + "versions/new", {"from_draft": "1", "pricing_model": "fixed_fee", "expected_latest": "0"})
    v1 = EstimateVersion.objects.get()
    assert r.status_code == 302 and r["Location"] == f"{base}versions/{v1.pk}/"
    page = c.get(r["Location"]).content.decode()
    assert "USD 26,400.00" in page and 'name="hours" value="40.00"' in page
    form = {
        "revision": "0",
        "pricing_model": "fixed_fee",
        "activity": ["Kick-off and planning", "Install GitLab", "", "Runbook", ""],
        "description": ["", "", "", "Hand-over", ""],
        "role": ["PM", "PSE", "PSE", "PSE", "PSE"],
        "hours": ["8", "44", "", "2.5", ""],
        "delivery": ["remote", "remote", "remote", "remote", "remote"],
        "provenance": ["rule:kickoff", "ssot:users,rule:ra3k", "ssot:repos", "", ""],
        "assumptions": "VMs ready",
        "out_of_scope": "",
    }
    r = c.post(f"{base}versions/{v1.pk}/edit", form)
    assert r.status_code == 302
    v1.refresh_from_db()
    assert [(ln.activity, ln.hours, ln.provenance) for ln in v1.lines.order_by("position")] == [
        ("Kick-off and planning", Decimal("8.00"), ["rule:kickoff"]),
        ("Install GitLab", Decimal("44.00"), ["ssot:users", "rule:ra3k"]),
        ("Runbook", Decimal("2.50"), ["manual"]),
    ]
    assert v1.price == Decimal("17985.00")
    r = c.post(f"{base}versions/{v1.pk}/edit", {**form, "revision": "0"})  # stale form
    assert "changed since you loaded it" in c.get(r["Location"]).content.decode()
    r = c.post(f"{base}versions/{v1.pk}/share")
    page = c.get(r["Location"]).content.decode()
    url = re.search(r'id="share-url" href="([^"]+)"', page)
    assert url is not None and "/review/" in url.group(1)
    assert 'name="hours"' not in page  # frozen: no edit form
    r = c.post(base + "versions/new", {"based_on": str(v1.pk), "expected_latest": "1"})
    v2 = EstimateVersion.objects.get(number=2)
    page = c.get(f"{base}compare", {"a": v1.pk, "b": v2.pk}).content.decode()
    assert "Compare v1 → v2" in page
    index = c.get("/estimates/").content.decode()
    assert f'href="{base}versions/{v2.pk}/">v2</a>' in index and ">v1<" not in index
    with django_capture_on_commit_callbacks(execute=True):
        x = c.get(f"{base}versions/{v2.pk}/estimate.xlsx", {"variant": "internal"})
    assert x.status_code == 202 and "Rendering…" in x.content.decode()  # the worker renders it
    documents_worker_run()
    x = c.get(f"{base}versions/{v2.pk}/estimate.xlsx", {"variant": "internal"})
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")


def test_saving_the_edit_form_keeps_each_lines_service_type(people: Any, strawman: Any, frozen_clock: Any) -> None:
    """The service type groups the SOW's milestones and marks education lines: the edit form carries
    it for every existing line (a new line has none), so a save does not blank it."""
    c = _client(people, "erin")
    base = f"/estimates/engagements/{strawman.pk}/"
    c.post(base + "versions/new", {"from_draft": "1", "pricing_model": "fixed_fee", "expected_latest": "0"})
    v1 = EstimateVersion.objects.get()
    v1.lines.update(service_type="implementation")  # as the calculator's draft lines carry it
    page = c.get(f"{base}versions/{v1.pk}/").content.decode()
    assert page.count('name="service_type" value="implementation"') == v1.lines.count()
    n = v1.lines.count()
    lines = list(v1.lines.order_by("position"))
    form = {
        "revision": str(v1.revision),
        "pricing_model": "fixed_fee",
        "activity": [ln.activity for ln in lines] + ["Engagement management"],
        "description": [ln.description for ln in lines] + [""],
        "role": [ln.role for ln in lines] + ["PM"],
        "hours": [str(ln.hours) for ln in lines] + ["8"],
        "delivery": [ln.delivery for ln in lines] + ["remote"],
        "provenance": [",".join(ln.provenance) for ln in lines] + [""],
        "service_type": ["implementation"] * n + [""],
        "assumptions": "",
        "out_of_scope": "",
    }
    assert c.post(f"{base}versions/{v1.pk}/edit", form).status_code == 302
    saved = list(v1.lines.order_by("position").values_list("service_type", flat=True))
    assert saved == ["implementation"] * n + [""]


def test_pages_hide_cost_from_roles_without_it_and_pubsec_from_non_members(
    people: Any, strawman: Any, make_account: Any, make_engagement: Any, frozen_clock: Any
) -> None:
    v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin)
    page = _client(people, "alice").get(f"/estimates/engagements/{strawman.pk}/versions/{v.pk}/").content.decode()
    assert "26,400.00" in page and "9,520" not in page and "margin" not in page.lower()
    assert (
        _client(people, "alice")
        .get(f"/estimates/engagements/{strawman.pk}/versions/{v.pk}/estimate.xlsx", {"variant": "internal"})
        .status_code
        == 404
    )
    assert _client(people, "olga").get(f"/estimates/engagements/{strawman.pk}/").status_code == 403
    secret = make_engagement(make_account("Agency", pubsec=True), em="pat")
    assert _client(people, "erin").get(f"/estimates/engagements/{secret.pk}/").status_code == 404
    assert _client(people, "pat").get(f"/estimates/engagements/{secret.pk}/").status_code == 200


def test_pricing_uses_the_catalog_rate_card_and_cost_rates_of_the_quarter(
    real_rates: None, people: Any, strawman: Any, frozen_clock: Any
) -> None:
    v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin, lines=[L("Install", "PSE", "10")])
    line = v.lines.get()
    expected_cost_rate = cost_rate_get(role="PSE", on=clock.today())
    assert (line.rate, line.cost_rate) == (Decimal("330.00"), expected_cost_rate)
    assert v.cost == (Decimal(10) * expected_cost_rate).quantize(Decimal("0.01"))
    with pytest.raises(ValidationFailed, match="Wizard"):
        estimate_version_create(
            engagement_id=strawman.pk, actor=people.erin, pricing_model="tm", lines=[L("Spell", "Wizard", "1")]
        )
