"""PS Leadership is told of a below-target margin when its approval is requested (the margin is
flagged, never blocked)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.django_db
def test_ps_leadership_is_told_of_a_below_target_margin_when_approval_is_requested(
    people: Any, make_engagement: Any
) -> None:
    from decimal import Decimal

    from psdesk.board.services import engagement_approval_request
    from psdesk.engagements.choices import EngagementStatus as S
    from psdesk.estimates.models import EstimateVersion
    from psdesk.estimates.testing import estimate_seed_shared
    from psdesk.notifications.models import Notification

    eng = make_engagement(at=S.READY_FOR_APPROVAL)
    estimate_seed_shared(eng)
    EstimateVersion.objects.filter(engagement=eng).update(margin=Decimal("0.2500"))
    req = engagement_approval_request(engagement=eng, kind="ps_leadership", requester=people.erin, note="please")
    assert req.note == "please\nMargin 25.0% below target 40% (v1)"
    body = Notification.objects.get(recipient=people.leo, event="approval.requested").body
    assert "Margin 25.0% below target 40% (v1)" in body
    rev = engagement_approval_request(engagement=eng, kind="revenue", requester=people.erin, note="please")
    assert rev.note == "please"  # only PS Leadership approves margins
