"""REST endpoints: queue, forecast of a project, what-if, lead-time table, staffing, start commit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictInt

from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import NotFound
from psdesk.core.inputs import AwareDateTime, IsoDate
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor, AuthedRequest
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement
from psdesk.scheduling import selectors, services
from psdesk.scheduling.models import Consultant, QueueEntry
from psdesk.scheduling.role_hours import LineIn

router = Router(tags=["scheduling"])


class LineSchema(Schema):
    role: str = Field(..., max_length=16)
    hours: Decimal = Field(..., max_digits=8, decimal_places=2)
    weekly_hours: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    skills: dict[str, int] = {}


class QueueRowOut(Schema):
    id: int
    position: int | None
    title: str
    account: str
    kind: str
    status: str
    service_type: str
    closed_won_at: datetime | None
    p50: date | None
    p80: date | None
    binding: str
    consultants: list[str]
    committed_start: date | None
    customer_text: str
    version: int


def _row(r: selectors.QueueRow) -> dict[str, Any]:
    e, res = r.entry, r.result
    return {
        "id": e.pk,
        "position": r.position,
        "title": e.title,
        "account": e.account.name,
        "kind": e.kind,
        "status": e.status,
        "service_type": e.service_type,
        "closed_won_at": e.closed_won_at,
        "p50": res.p50_date if res else None,
        "p80": res.p80_date if res else None,
        "binding": res.binding if res else "not forecast yet",
        "consultants": [n for _, n in res.consultants] if res else [],
        "committed_start": e.committed_start,
        "customer_text": r.customer_text,
        "version": e.version,
    }


class QueuePage(Schema):
    count: int
    items: list[QueueRowOut]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("/scheduling/queue", response={200: QueuePage, **errors(401, 403, 422)})
def queue(request: AuthedRequest, params: Query[PageParams]) -> Any:
    """The delivery queue in order (committed by closed-won time, then pipeline) with P50/P80."""
    permission_require(request.user, "scheduling.view_queueentry")
    total, rows = selectors.queue_list(user=request.user, limit=params.limit, offset=params.offset)
    return {"count": total, "items": [_row(r) for r in rows]}


class QueueIn(Schema):
    engagement_id: int | None = None
    opportunity_id: int | None = None
    account_id: int | None = None
    kind: str = Field("committed", max_length=16)
    closed_won_at: AwareDateTime | None = None
    title: str = Field("", max_length=255)
    service_type: str = Field("other", max_length=20)
    desired_start: IsoDate | None = None
    desired_end: IsoDate | None = None
    regions: list[str] = Field([], max_length=3)
    requires_clearance: bool | None = None
    role_hours: list[LineSchema] = Field([], max_length=20)


@router.post("/scheduling/queue", response={201: QueueRowOut, **errors(401, 403, 404, 422)})
def queue_enter(request: AuthedRequest, payload: QueueIn) -> Any:
    """Enter a project with its role-hours (given here, or from the engagement's agreed estimate)."""
    permission_require(request.user, "scheduling.manage_queue")
    user = request.user
    eng = opp = acc = None
    if payload.engagement_id is not None:
        eng = Engagement.objects.visible_to(user).filter(pk=payload.engagement_id).first()
        if eng is None:
            raise NotFound("Engagement not found.")
    if payload.opportunity_id is not None:
        opp = Opportunity.objects.visible_to(user).filter(pk=payload.opportunity_id).first()
        if opp is None:
            raise NotFound("Opportunity not found.")
    if payload.account_id is not None:
        acc = Account.objects.visible_to(user).filter(pk=payload.account_id).first()
        if acc is None:
            raise NotFound("Account not found.")
    entry = services.queue_enter(
        role_hours=[LineIn(**ln.dict()) for ln in payload.role_hours],
        actor=user,
        engagement=eng,
        opportunity=opp,
        account=acc,
        kind=payload.kind,
        closed_won_at=payload.closed_won_at,
        title=payload.title,
        service_type=payload.service_type,
        desired_start=payload.desired_start,
        desired_end=payload.desired_end,
        regions=payload.regions,
        requires_clearance=payload.requires_clearance,
    )
    return Status(201, _row(selectors.QueueRow(entry, None)))


@router.get("/scheduling/queue/{entry_id}", response={200: QueueRowOut, **errors(401, 403, 404)})
def queue_entry(request: AuthedRequest, entry_id: int) -> Any:
    """The forecast of one project."""
    permission_require(request.user, "scheduling.view_queueentry")
    e = selectors.entry_get(user=request.user, entry_id=entry_id)
    run = selectors.latest_run_or_none()
    res = e.forecasts.filter(run=run).first() if run else None
    return _row(selectors.QueueRow(e, res, selectors.queue_position(user=request.user, entry=e)))


class CommitIn(Schema):
    start: IsoDate | None = None
    confirm: bool = False
    expected_version: StrictInt | None = None


@router.post(
    "/scheduling/queue/{entry_id}/commit-start", response={200: QueueRowOut, **errors(401, 403, 404, 409, 422)}
)
def commit_start(request: AuthedRequest, entry_id: int, payload: CommitIn) -> Any:
    """Commit a start date: refused (409) unless Closed Won and confirmed by ps-scheduling."""
    permission_require(request.user, "scheduling.view_queueentry")
    qs = QueueEntry.objects.visible_to(request.user)
    e = services.queue_entry_start_commit(
        entry_id=entry_id,
        start=payload.start,
        confirm=payload.confirm,
        actor=request.user,
        queryset=qs,
        expected_version=payload.expected_version,
    )
    return _row(selectors.QueueRow(e, None))


class CandidateOut(Schema):
    consultant_id: int
    name: str
    role: str
    region: str
    eligible: bool
    reasons: list[str]
    free_hours: float
    skill_score: int
    past_work: int


@router.get("/scheduling/queue/{entry_id}/candidates", response={200: list[CandidateOut], **errors(401, 403, 404)})
def candidates(request: AuthedRequest, entry_id: int) -> Any:
    """Ranked candidates: hard constraints first, then availability, skill level, past work."""
    permission_require(request.user, "scheduling.manage_queue")
    e = selectors.entry_get(user=request.user, entry_id=entry_id)
    return [
        {
            "consultant_id": c.consultant.pk,
            "name": c.consultant.name,
            "role": c.consultant.role,
            "region": c.consultant.region,
            "eligible": c.eligible,
            "reasons": c.reasons,
            "free_hours": c.free_hours,
            "skill_score": c.skill_score,
            "past_work": c.past_work,
        }
        for c in selectors.candidates_rank(entry=e)[:MAX_LIMIT]
    ]


class AllocationIn(Schema):
    consultant_id: int
    kind: str = Field("soft", max_length=8)
    starts_on: IsoDate
    ends_on: IsoDate
    weekly_hours: Decimal = Field(..., max_digits=5, decimal_places=2)
    override_reason: str = Field("", max_length=2000)


class AllocationOut(Schema):
    id: int
    consultant_id: int
    kind: str
    starts_on: date
    ends_on: date
    weekly_hours: Decimal
    override_reason: str


@router.get("/scheduling/queue/{entry_id}/allocations", response={200: list[AllocationOut], **errors(401, 403, 404)})
def allocations(request: AuthedRequest, entry_id: int) -> Any:
    """The consultants staffed on a project (soft and hard)."""
    permission_require(request.user, "scheduling.view_queueentry")
    e = selectors.entry_get(user=request.user, entry_id=entry_id)
    return list(e.allocations.all()[:MAX_LIMIT])


@router.post(
    "/scheduling/queue/{entry_id}/allocations", response={201: AllocationOut, **errors(401, 403, 404, 409, 422)}
)
def allocate(request: AuthedRequest, entry_id: int, payload: AllocationIn) -> Any:
    """Staff a consultant (soft or hard); conflicts need `override_reason` (409 otherwise)."""
    permission_require(request.user, "scheduling.add_allocation")
    e = selectors.entry_get(user=request.user, entry_id=entry_id)
    c = Consultant.objects.filter(pk=payload.consultant_id).first()
    if c is None:
        raise NotFound("Consultant not found.")
    a = services.allocation_create(
        entry=e,
        consultant=c,
        kind=payload.kind,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        weekly_hours=payload.weekly_hours,
        actor=request.user,
        override_reason=payload.override_reason,
    )
    return Status(201, a)


class WhatIfIn(Schema):
    service_type: str = Field("other", max_length=20)
    role_hours: list[LineSchema] = Field([], max_length=20)
    requires_clearance: bool = False
    regions: list[str] = Field([], max_length=3)
    expected_close: IsoDate | None = None
    desired_start: IsoDate | None = None
    engagement_id: int | None = None


class WhatIfOut(Schema):
    p50: date | None
    p80: date | None
    p50_weeks: int | None
    p80_weeks: int | None
    binding: str
    ahead_tentative: int
    samples: int
    run_at: datetime
    customer_text: str


def whatif_answer(user: Actor, payload: WhatIfIn) -> dict[str, Any]:
    clearance, close = payload.requires_clearance, payload.expected_close
    if payload.engagement_id is not None:
        eng = (
            Engagement.objects.visible_to(user)
            .select_related("account", "opportunity")
            .filter(pk=payload.engagement_id)
            .first()
        )
        if eng is None:
            raise NotFound("Engagement not found.")
        clearance = clearance or eng.account.us_public_sector
        close = close or (eng.opportunity.close_date if eng.opportunity else None)
    w = selectors.hypothetical_forecast_get(
        role_hours=[LineIn(**ln.dict()) for ln in payload.role_hours],
        requires_clearance=clearance,
        regions=payload.regions,
        expected_close=close,
        desired_start=payload.desired_start,
    )
    text = (
        f"Forecast: start likely in the week of {w.p50_date:%d %b %Y} (P50), by {w.p80_date:%d %b %Y} (P80); "
        "a forecast, not a commitment"
        if w.p50_date and w.p80_date
        else "Forecast: beyond the planning horizon"
    )
    return {
        "p50": w.p50_date,
        "p80": w.p80_date,
        "p50_weeks": w.p50_weeks,
        "p80_weeks": w.p80_weeks,
        "binding": w.binding,
        "ahead_tentative": w.ahead_tentative,
        "samples": w.samples,
        "run_at": w.run_at,
        "customer_text": text,
    }


@router.post("/scheduling/whatif", response={200: WhatIfOut, **errors(401, 403, 404, 422)})
def whatif(request: AuthedRequest, payload: WhatIfIn) -> Any:
    """Lead time for a hypothetical engagement, from the cached samples; saves nothing."""
    permission_require(request.user, "scheduling.view_queueentry")
    return whatif_answer(request.user, payload)


class LeadTimeOut(Schema):
    service_type: str
    median_weeks: Decimal | None
    p80_weeks: Decimal | None
    projects: int


@router.get("/scheduling/lead-times", response={200: list[LeadTimeOut], **errors(401, 403)})
def lead_times(request: AuthedRequest) -> Any:
    """The published lead-time table: weeks from closed won to forecast start, per service type."""
    permission_require(request.user, "scheduling.view_leadtime")
    return selectors.lead_time_table()
