"""SOW fixtures: media in a temporary directory, an engagement at SOW WIP with an agreed estimate
version (built directly: the estimates workflow is not under test here), and builders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _worker_renders_at_once(request: Any, monkeypatch: Any) -> None:
    """Most SOW tests are about what follows once a version's files exist, so here the worker's
    render (its task's own function) runs as soon as a version is stored. Tests of rendering in the
    worker ask for `render_deferred` and see the version rendering until they run the task."""
    if "render_deferred" in request.fixturenames:
        return
    from psdesk.sows.services import versions
    from psdesk.sows.services.documents import sow_version_render

    def at_once(version: Any) -> None:
        sow_version_render(version_id=version.pk)
        version.refresh_from_db()

    monkeypatch.setattr(versions, "version_render_enqueue", at_once)


@pytest.fixture
def render_deferred() -> None:
    """The render waits for the worker (the default outside these tests): versions stay rendering."""


def make_estimate(
    eng: Any,
    *,
    lines: list[tuple[str, str, str, str]] | None = None,
    agreed: bool = True,
    number: int | None = None,
    creator: Any = None,
) -> Any:
    """An estimate version priced at fixed rates: lines = (activity, role, hours, service_type)."""
    from psdesk.core import clock
    from psdesk.estimates.choices import FeedbackKind, VersionStatus
    from psdesk.estimates.models import CustomerFeedback, EstimateLine, EstimateVersion

    lines = lines or [
        ("Kick-off and planning", "PM", "8", "implementation"),
        ("Install GitLab", "PSE", "40", "implementation"),
        ("Migration wave 1", "PSE", "32", "migration"),
        ("GitLab CI/CD training", "Trainer", "8", "education"),
    ]
    last = EstimateVersion.objects.filter(engagement=eng).order_by("-number").first()
    v = EstimateVersion.objects.create(
        engagement=eng,
        number=number or ((last.number if last else 0) + 1),
        status=VersionStatus.SHARED,
        priced_on=clock.today(),
        assumptions="Customer provides a staging environment.",
        out_of_scope="Custom integrations.",
        created_by=creator,
    )
    price = cost = hours = Decimal("0")
    for i, (activity, role, h, st) in enumerate(lines):
        hrs = Decimal(h)
        p, c = hrs * Decimal("330"), hrs * Decimal("120")
        EstimateLine.objects.create(
            version=v,
            position=i,
            activity=activity,
            description=f"{activity} as agreed",
            role=role,
            hours=hrs,
            service_type=st,
            rate=Decimal("330"),
            cost_rate=Decimal("120"),
            price=p,
            cost=c,
        )
        price, cost, hours = price + p, cost + c, hours + hrs
    v.price, v.cost, v.hours = price, cost, hours
    v.margin = ((price - cost) / price).quantize(Decimal("0.0001"))
    v.save()
    if agreed:
        CustomerFeedback.objects.create(
            version=v, kind=FeedbackKind.AGREEMENT, name="Carl Customer", email="carl@acme.test", message="We agree"
        )
    return v


@pytest.fixture
def sow_wip(make_engagement: Any, people: Any, db: Any) -> Any:
    """An engagement of erin's at SOW WIP with an agreed estimate v1 (88 h, USD 29,040.00)."""
    from psdesk.engagements.choices import EngagementStatus
    from psdesk.engagements.models import Engagement

    eng = make_engagement(description="Stand up GitLab and migrate the first wave.")
    Engagement.objects.filter(pk=eng.pk).update(state=EngagementStatus.SOW_WIP)
    eng.refresh_from_db()
    make_estimate(eng)
    return eng


@pytest.fixture
def estimate() -> Any:
    return make_estimate


def render(version: Any) -> Any:
    """What the worker does after a version is stored: render its DOCX and PDF (the task's own
    function, run here); returns the version as rendered."""
    from psdesk.sows.services import sow_version_render

    return sow_version_render(version_id=version.pk)


def set_state(eng: Any, state: str) -> None:
    from psdesk.engagements.models import Engagement

    Engagement.objects.filter(pk=eng.pk).update(state=state)
    eng.refresh_from_db()


@pytest.fixture
def opportunity(people: Any, sow_wip: Any) -> Any:
    """sow_wip's PS-only opportunity (alice's, with its license parent), linked to the engagement."""
    from psdesk.crm.choices import RecordType
    from psdesk.crm.services import opportunity_create
    from psdesk.engagements.models import Engagement

    lic = opportunity_create(actor=people.alice, account=sow_wip.account, record_type=RecordType.LICENSE)
    opp = opportunity_create(actor=people.alice, account=sow_wip.account, parent=lic, stage="6_awaiting_signature")
    Engagement.objects.filter(pk=sow_wip.pk).update(opportunity=opp)
    sow_wip.refresh_from_db()
    return opp


@pytest.fixture
def approved_sow(sow_wip: Any, people: Any, opportunity: Any) -> Any:
    """sow_wip with a generated v1, reviewed, and the card at Approved (approvals are not under test)."""
    from psdesk.engagements.choices import EngagementStatus
    from psdesk.sows.services import sow_generate, sow_review_record

    v = render(sow_generate(engagement_id=sow_wip.pk, actor=people.erin))
    sow_review_record(sow_id=v.sow_id, actor=people.erin, note="Reviewed with Carl on the call")
    set_state(sow_wip, EngagementStatus.APPROVED)
    v.sow.refresh_from_db()
    return v.sow
