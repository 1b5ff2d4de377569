"""Query-count baselines (tests/query_counts.json) of the estimate lists, each at two data sizes
with one baseline: the engagement's estimate page and the versions API list stay flat in N."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines, assert_expected_query_count
from psdesk.estimates.choices import FeedbackKind, ReviewDecision, VersionStatus
from psdesk.estimates.models import CustomerFeedback, EstimateReview, EstimateVersion, ReviewLink

pytestmark = pytest.mark.django_db


def _versions(eng: Any, people: Any, n: int) -> None:
    """`n` shared versions, every other one TA-approved and every third agreed by the customer."""
    for i in range(1, n + 1):
        v = EstimateVersion.objects.create(
            engagement=eng, number=i, status=VersionStatus.SHARED, priced_on=clock.today(), price=Decimal(1000 * i)
        )
        if i % 2:
            EstimateReview.objects.create(version=v, reviewer=people.tara, decision=ReviewDecision.APPROVED)
        if i % 3 == 0:
            CustomerFeedback.objects.create(version=v, kind=FeedbackKind.AGREEMENT, name="Casey")


@pytest.mark.parametrize("n", [2, 9])
def test_engagement_estimate_page_query_count(n: int, people: Any, strawman: Any) -> None:
    _versions(strawman, people, n)
    web = Client()
    web.force_login(people.erin)
    url = f"/estimates/engagements/{strawman.pk}/"
    assert web.get(url).status_code == 200
    with assert_expected_query_count("estimates.engagement"):
        page = web.get(url)
    assert page.status_code == 200


@pytest.mark.parametrize("n", [2, 9])
def test_versions_api_list_query_count(n: int, api: Any, people: Any, strawman: Any) -> None:
    _versions(strawman, people, n)
    url = f"/api/v1/estimates/engagements/{strawman.pk}/versions"
    erin = api("erin")
    assert erin.get(url).status_code == 200
    with assert_expected_query_count("api.estimates.versions"):
        r = erin.get(url)
    body = r.json()
    assert [(v["number"], v["ta_approved"], v["customer_agreed"]) for v in body][:3] == [
        (1, True, False),
        (2, False, False),
        (3, True, True),
    ][: min(n, 3)]


def test_estimates_index_and_review_links_are_flat(
    people: Any, api: Any, make_account: Any, make_engagement: Any
) -> None:
    """The estimates index (latest version per engagement) and a version's review links."""
    counts = FlatBaselines(__file__)
    web = Client()
    web.force_login(people.erin)
    erin = api("erin")
    first: EstimateVersion | None = None
    for n in SIZES:
        for i in range(EstimateVersion.objects.count(), n):
            eng = make_engagement(make_account(f"Estimated {i:02}"))
            v = EstimateVersion.objects.create(
                engagement=eng, number=1, status=VersionStatus.SHARED, priced_on=clock.today(), price=Decimal(1000 + i)
            )
            EstimateReview.objects.create(version=v, reviewer=people.tara, decision=ReviewDecision.APPROVED)
            first = first or v
            ReviewLink.objects.create(
                version=first, nonce=f"qc{i:02}", created_by=people.erin, expires_at=clock.now() + timedelta(days=14)
            )
        assert first is not None
        counts.at(n)
        counts.measure("estimates.index", web.get, "/estimates/", f"Estimated {n - 1:02}")
        links = f"/api/v1/estimates/versions/{first.pk}/links"
        counts.measure("api.estimates.versions.links", erin.get, links)
        assert len(erin.get(links).json()) == n
    counts.check()


@pytest.mark.parametrize(("n", "roles"), [(2, ("PSE", "PM")), (40, ("PSE", "PM", "TA", "Trainer", "EM"))])
def test_saving_a_draft_runs_the_same_queries_for_any_number_of_lines_and_roles(
    n: int, roles: tuple[str, ...], real_rates: None, people: Any, strawman: Any, frozen_clock: Any
) -> None:
    """The update path reads every role's bill and cost rate in one query each (not one per role)
    and inserts the lines with one prepared statement; the priced lines equal the one-role lookups."""
    from psdesk.catalog.selectors import bill_rate_get, cost_rate_get
    from psdesk.estimates.services import LineData, estimate_version_create, estimate_version_update

    lines = [LineData(activity=f"A{i}", role=roles[i % len(roles)], hours=Decimal(i + 1)) for i in range(n)]
    v = estimate_version_create(engagement_id=strawman.pk, actor=people.erin, lines=lines[:1], pricing_model="tm")
    with assert_expected_query_count("estimates.version_update"):
        v = estimate_version_update(version_id=v.pk, actor=people.erin, revision=v.revision, lines=lines)
    saved = list(v.lines.order_by("position"))
    assert [(ln.activity, ln.hours) for ln in saved] == [(ld.activity, ld.hours) for ld in lines]
    for ln in saved:
        assert ln.rate == bill_rate_get(role=ln.role)
        assert ln.cost_rate == cost_rate_get(role=ln.role, on=clock.today())
        assert ln.price == (ln.hours * ln.rate).quantize(Decimal("0.01"))
    assert v.price == sum(ln.price for ln in saved)
