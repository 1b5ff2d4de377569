"""Test and demo support: put an engagement's estimate into the state later board moves need, without
the catalog or the calculator (rows written directly; not for production paths).

    estimate_seed_shared(eng)                       # request_feedback's guard passes
    estimate_seed_agreed(eng)                       # ... and start_sow's (under the TA threshold)
    estimate_seed_agreed(eng, price=Decimal("60000"), ta_approved_by=tara)   # over it, approved
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from psdesk.core import clock
from psdesk.core.types import Actor
from psdesk.estimates.choices import FeedbackKind, ReviewDecision, VersionStatus
from psdesk.estimates.models import CustomerFeedback, EstimateLine, EstimateReview, EstimateVersion


def estimate_seed_shared(
    engagement: Any, *, price: Decimal = Decimal("33000.00"), actor: Actor | None = None
) -> EstimateVersion:
    """A shared version with one line worth `price` (fixed fee at 330/h, 40 % cost)."""
    number = (EstimateVersion.objects.filter(engagement=engagement).count() or 0) + 1
    hours = (price / Decimal("330")).quantize(Decimal("0.01"))
    cost = (price * Decimal("0.6")).quantize(Decimal("0.01"))
    now = clock.now()
    v = EstimateVersion.objects.create(
        engagement=engagement,
        number=number,
        status=VersionStatus.SHARED,
        priced_on=now.date(),
        hours=hours,
        price=price,
        cost=cost,
        margin=Decimal("0.4000"),
        created_by=actor,
        created_at=now,
        updated_at=now,
        shared_at=now,
    )
    EstimateLine.objects.create(
        version=v,
        position=0,
        activity="Implementation",
        role="PSE",
        hours=hours,
        provenance=["manual"],
        rate=Decimal("330.00"),
        cost_rate=(cost / hours).quantize(Decimal("0.01")) if hours else Decimal("0"),
        price=price,
        cost=cost,
    )
    return v


def estimate_seed_agreed(
    engagement: Any, *, price: Decimal = Decimal("33000.00"), ta_approved_by: Any = None, actor: Actor | None = None
) -> EstimateVersion:
    """A shared version the customer agreed to (and, given `ta_approved_by`, a TA approved)."""
    v = estimate_seed_shared(engagement, price=price, actor=actor)
    CustomerFeedback.objects.create(
        version=v, kind=FeedbackKind.AGREEMENT, name="Customer", email="customer@example.com", created_at=clock.now()
    )
    if ta_approved_by is not None:
        EstimateReview.objects.create(version=v, reviewer=ta_approved_by, decision=ReviewDecision.APPROVED)
    return v
