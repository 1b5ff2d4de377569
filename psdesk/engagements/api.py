"""REST endpoint for the engagement ↔ opportunity link (the board's API holds the rest)."""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from psdesk.core.api import errors
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.engagements.services import engagement_opportunity_link

router = Router(tags=["engagements"])


class EngagementOpportunityLinkIn(Schema):
    opportunity_id: int | None
    expected_version: int | None = None


class EngagementOpportunityLinkOut(Schema):
    engagement_id: int
    opportunity_id: int | None
    opportunity_name: str | None
    version: int


@router.put(
    "/engagements/{engagement_id}/opportunity",
    response={200: EngagementOpportunityLinkOut, **errors(400, 401, 403, 404, 409, 422)},
)
def link_opportunity(request: AuthedRequest, engagement_id: int, payload: EngagementOpportunityLinkIn) -> Any:
    """Link the engagement to an open opportunity of its account (`null`: unlink); audited.
    403 without `engagements.link_opportunity`; 404 when either is not visible; 409 when stale;
    422 for a closed engagement, a closed opportunity or another account's."""
    permission_require(request.user, "engagements.link_opportunity")
    eng = engagement_opportunity_link(
        engagement_id=engagement_id,
        opportunity_id=payload.opportunity_id,
        actor=request.user,
        expected_version=payload.expected_version,
    )
    return {
        "engagement_id": eng.pk,
        "opportunity_id": eng.opportunity_id,
        "opportunity_name": eng.opportunity.name if eng.opportunity else None,
        "version": eng.version,
    }
