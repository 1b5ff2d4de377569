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
from psdesk.scheduling.services.consultants import PLAIN_FIELDS

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


# --- the resource directory: consultants, skills, time off, forecast runs ---------------------------


class ConsultantSkillOut(Schema):
    skill: str
    level: int


class ConsultantCostRateOut(Schema):
    amount: Decimal
    currency: str
    effective_from: date | None = Field(None, description="None: the role's standard cost rate applies")


class ConsultantClearanceOut(Schema):
    us_citizen: bool
    cleared: bool
    pubsec_eligible: bool


class ConsultantOut(Schema):
    id: int
    name: str
    email: str
    role: str
    region: str
    timezone: str
    holiday_country: str
    holiday_subdivision: str
    weekly_capacity_hours: Decimal
    utilisation_target: Decimal
    active: bool
    user: str | None
    skills: list[ConsultantSkillOut]
    clearance: ConsultantClearanceOut | None = Field(
        None, description="null unless your role may see clearance (Project Coordinator, PS Ops, RDM) or it is you"
    )
    cost_rate: ConsultantCostRateOut | None = Field(
        None, description="the hourly cost rate in force today; null unless your role may see cost rates or it is you"
    )
    version: int


class ConsultantPage(Schema):
    count: int
    items: list[ConsultantOut]


def consultant_out(user: Actor, c: Consultant, standard: dict[str, Any] | None = None) -> dict[str, Any]:
    """A consultant as the API shows it to `user` (clearance and cost rate only where allowed).
    `standard` caches the role's standard cost rate across a page (one lookup per role)."""
    rate: dict[str, Any] | None = None
    if selectors.cost_rate_visible(user=user, consultant=c):
        row = selectors.current_cost_rate_row(c)
        if row is not None:
            rate = {"amount": row.rate, "currency": row.currency, "effective_from": row.effective_from}
        else:
            cache = standard if standard is not None else {}
            if c.role not in cache:
                cache[c.role] = selectors.consultant_cost_rate(c)
            money = cache[c.role]
            rate = {"amount": money.amount, "currency": money.currency, "effective_from": None} if money else None
    clearance = (
        {"us_citizen": c.us_citizen, "cleared": c.cleared, "pubsec_eligible": c.pubsec_eligible}
        if selectors.clearance_visible(user=user, consultant=c)
        else None
    )
    return {
        "id": c.pk,
        "name": c.name,
        "email": c.email,
        "role": c.role,
        "region": c.region,
        "timezone": c.timezone,
        "holiday_country": c.holiday_country,
        "holiday_subdivision": c.holiday_subdivision,
        "weekly_capacity_hours": c.weekly_capacity_hours,
        "utilisation_target": c.utilisation_target,
        "active": c.active,
        "user": c.user.get_username() if c.user else None,
        "skills": [{"skill": s.skill.name, "level": s.level} for s in c.skills.all()],
        "clearance": clearance,
        "cost_rate": rate,
        "version": c.version,
    }


class ConsultantFilters(Schema):
    role: str = Field("", max_length=16)
    region: str = Field("", max_length=8)
    skill: str = Field("", max_length=50)
    min_level: int = Field(1, ge=1, le=5)
    cleared: bool | None = Field(None, description="US citizen with clearance; only roles that may see clearance")
    active: bool | None = Field(True, description="false: inactive only; omit with active= for all")
    q: str = Field("", max_length=100, description="part of the name")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("/scheduling/consultants", response={200: ConsultantPage, **errors(401, 403, 422)})
def consultants(request: AuthedRequest, params: Query[ConsultantFilters]) -> Any:
    """The resource directory: consultants by name, filtered by role, region, skill (at a minimum
    level) and clearance (roles that may see clearance only)."""
    permission_require(request.user, "scheduling.view_consultant")
    qs = selectors.consultant_list(
        user=request.user,
        role=params.role,
        region=params.region,
        skill=params.skill,
        min_level=params.min_level,
        cleared=params.cleared,
        active=params.active,
        q=params.q,
    )
    page = list(qs[params.offset : params.offset + params.limit])
    standard: dict[str, Any] = {}
    return {"count": qs.count(), "items": [consultant_out(request.user, c, standard) for c in page]}


class ConsultantCostRateIn(Schema):
    rate: Decimal = Field(..., max_digits=10, decimal_places=2, ge=0)
    currency: str = Field("USD", min_length=3, max_length=3)
    effective_from: IsoDate | None = Field(None, description="default today")


class ConsultantCreateIn(Schema):
    name: str = Field(..., max_length=200)
    email: str = Field(..., max_length=254)
    role: str = Field(..., max_length=16)
    region: str = Field("AMER", max_length=8)
    timezone: str = Field("America/New_York", max_length=64)
    holiday_country: str = Field("US", max_length=2)
    holiday_subdivision: str = Field("", max_length=10)
    weekly_capacity_hours: Decimal = Field(Decimal("40"), max_digits=5, decimal_places=2)
    utilisation_target: Decimal = Field(Decimal("0.70"), max_digits=4, decimal_places=3)
    us_citizen: bool = False
    cleared: bool = False
    user: str | None = Field(None, max_length=150, description="username of the person this consultant is")
    skills: dict[str, int] = Field({}, description="skill name → level 1-5 (skills from the catalogue)")
    cost_rate: ConsultantCostRateIn | None = None


def _clearance_input_allowed(user: Actor, *, us_citizen: bool | None, cleared: bool | None) -> None:
    if (us_citizen is not None or cleared is not None) and not selectors.clearance_visible(user=user):
        permission_require(user, "scheduling.view_clearance")


def _cost_rate_in(rate: ConsultantCostRateIn | None) -> services.CostRateIn | None:
    return services.CostRateIn(rate.rate, rate.currency, rate.effective_from) if rate else None


@router.post("/scheduling/consultants", response={201: ConsultantOut, **errors(401, 403, 422)})
def consultant_create(request: AuthedRequest, payload: ConsultantCreateIn) -> Any:
    """Add a consultant with skills at levels and an optional own cost rate (audited)."""
    permission_require(request.user, "scheduling.add_consultant")
    if payload.us_citizen or payload.cleared:
        _clearance_input_allowed(request.user, us_citizen=payload.us_citizen, cleared=payload.cleared)
    c = services.consultant_create(
        actor=request.user,
        name=payload.name,
        email=payload.email,
        role=payload.role,
        region=payload.region,
        timezone=payload.timezone,
        holiday_country=payload.holiday_country,
        holiday_subdivision=payload.holiday_subdivision,
        weekly_capacity_hours=payload.weekly_capacity_hours,
        utilisation_target=payload.utilisation_target,
        us_citizen=payload.us_citizen,
        cleared=payload.cleared,
        username=payload.user,
        skills=payload.skills,
        cost_rate=_cost_rate_in(payload.cost_rate),
    )
    return Status(201, consultant_out(request.user, selectors.consultant_get(consultant_id=c.pk)))


@router.get("/scheduling/consultants/{consultant_id}", response={200: ConsultantOut, **errors(401, 403, 404)})
def consultant(request: AuthedRequest, consultant_id: int) -> Any:
    """One consultant (active or not)."""
    permission_require(request.user, "scheduling.view_consultant")
    return consultant_out(request.user, selectors.consultant_get(consultant_id=consultant_id))


class ConsultantUpdateIn(Schema):
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    role: str | None = Field(None, max_length=16)
    region: str | None = Field(None, max_length=8)
    timezone: str | None = Field(None, max_length=64)
    holiday_country: str | None = Field(None, max_length=2)
    holiday_subdivision: str | None = Field(None, max_length=10)
    weekly_capacity_hours: Decimal | None = Field(None, max_digits=5, decimal_places=2)
    utilisation_target: Decimal | None = Field(None, max_digits=4, decimal_places=3)
    us_citizen: bool | None = None
    cleared: bool | None = None
    user: str | None = Field(None, max_length=150, description='username to link; "" unlinks')
    skills: dict[str, int] | None = Field(None, description="replaces the whole set: skill name → level 1-5")
    cost_rate: ConsultantCostRateIn | None = Field(None, description="an own rate from a date (history is kept)")
    expected_version: StrictInt | None = Field(None, description="the version you read; 409 when it changed")


@router.patch(
    "/scheduling/consultants/{consultant_id}", response={200: ConsultantOut, **errors(401, 403, 404, 409, 422)}
)
def consultant_update(request: AuthedRequest, consultant_id: int, payload: ConsultantUpdateIn) -> Any:
    """Change a consultant: fields given, skills (whole set), a new cost rate from a date, the
    linked user. Audited with before/after; capacity changes reach the next forecast run."""
    permission_require(request.user, "scheduling.change_consultant")
    data = payload.dict(exclude_unset=True)
    _clearance_input_allowed(request.user, us_citizen=data.get("us_citizen"), cleared=data.get("cleared"))
    changes = {k: v for k, v in data.items() if k in PLAIN_FIELDS and v is not None}
    c = services.consultant_update(
        consultant_id=consultant_id,
        actor=request.user,
        changes=changes,
        skills=payload.skills,
        cost_rate=_cost_rate_in(payload.cost_rate),
        username=payload.user or None,
        unlink_user=payload.user == "",
        expected_version=payload.expected_version,
    )
    return consultant_out(request.user, selectors.consultant_get(consultant_id=c.pk))


class ConsultantDeactivateIn(Schema):
    reason: str = Field("", max_length=500)


@router.post(
    "/scheduling/consultants/{consultant_id}/deactivate",
    response={200: ConsultantOut, **errors(401, 403, 404, 409, 422)},
)
def consultant_deactivate(request: AuthedRequest, consultant_id: int, payload: ConsultantDeactivateIn) -> Any:
    """Deactivate a consultant (out of the forecast's capacity; history kept). 409 when inactive."""
    permission_require(request.user, "scheduling.change_consultant")
    c = services.consultant_deactivate(consultant_id=consultant_id, actor=request.user, reason=payload.reason)
    return consultant_out(request.user, selectors.consultant_get(consultant_id=c.pk))


class SkillMatrixRowOut(Schema):
    consultant_id: int
    name: str
    role: str
    region: str
    levels: list[int | None]


class SkillMatrixOut(Schema):
    skills: list[str]
    rows: list[SkillMatrixRowOut]


class SkillMatrixFilters(Schema):
    role: str = Field("", max_length=16)
    region: str = Field("", max_length=8)


@router.get("/scheduling/skill-matrix", response={200: SkillMatrixOut, **errors(401, 403, 422)})
def skill_matrix(request: AuthedRequest, params: Query[SkillMatrixFilters]) -> Any:
    """Active consultants by the skill catalogue: each cell the level 1-5, or null."""
    permission_require(request.user, "scheduling.view_consultant")
    m = selectors.skill_matrix_get(role=params.role, region=params.region)
    return {
        "skills": [s.name for s in m.skills],
        "rows": [
            {"consultant_id": c.pk, "name": c.name, "role": c.role, "region": c.region, "levels": lv}
            for c, lv in zip(m.consultants, m.levels, strict=True)
        ],
    }


class TimeOffOut(Schema):
    id: int
    consultant_id: int
    consultant: str
    starts_on: date
    ends_on: date
    reason: str
    status: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str


def _time_off_out(t: Any) -> dict[str, Any]:
    return {
        "id": t.pk,
        "consultant_id": t.consultant_id,
        "consultant": t.consultant.name,
        "starts_on": t.starts_on,
        "ends_on": t.ends_on,
        "reason": t.reason,
        "status": t.status,
        "requested_at": t.requested_at,
        "decided_by": t.decided_by.get_username() if t.decided_by else None,
        "decided_at": t.decided_at,
        "decision_reason": t.decision_reason,
    }


def _my_consultant(user: Actor) -> Consultant:
    permission_require(user, "scheduling.request_timeoff")
    c = selectors.consultant_for_user(user)
    if c is None:
        raise NotFound("No consultant record is linked to you; ask the Project Coordinator.", code="no_consultant")
    return c


@router.get("/scheduling/me/time-off", response={200: list[TimeOffOut], **errors(401, 403, 404)})
def my_time_off(request: AuthedRequest) -> Any:
    """Your own time off (requested, approved, refused), latest first."""
    c = _my_consultant(request.user)
    return [_time_off_out(t) for t in selectors.time_off_of(consultant=c).select_related("consultant")[:MAX_LIMIT]]


class TimeOffRequestIn(Schema):
    starts_on: IsoDate
    ends_on: IsoDate
    reason: str = Field("", max_length=200)


@router.post("/scheduling/me/time-off", response={201: TimeOffOut, **errors(401, 403, 404, 409, 422)})
def my_time_off_request(request: AuthedRequest, payload: TimeOffRequestIn) -> Any:
    """Ask for time off; the Project Coordinator approves or refuses it from My work."""
    c = _my_consultant(request.user)
    t = services.time_off_request(
        consultant=c, starts_on=payload.starts_on, ends_on=payload.ends_on, reason=payload.reason, actor=request.user
    )
    return Status(201, _time_off_out(t))


class TimeOffFilters(Schema):
    status: str = Field("requested", pattern="^(requested|approved|refused)$")


@router.get("/scheduling/time-off", response={200: list[TimeOffOut], **errors(401, 403, 422)})
def time_off_list(request: AuthedRequest, params: Query[TimeOffFilters]) -> Any:
    """Consultants' time off in a status (default: requests waiting for a decision), oldest first."""
    permission_require(request.user, "scheduling.decide_timeoff")
    qs = selectors.time_off_requests_list(status=params.status).select_related("decided_by")
    return [_time_off_out(t) for t in qs[:MAX_LIMIT]]


@router.post("/scheduling/time-off/{time_off_id}/approve", response={200: TimeOffOut, **errors(401, 403, 404, 409)})
def time_off_approve(request: AuthedRequest, time_off_id: int) -> Any:
    """Approve a time-off request (the consultant is told; the next forecast leaves it out)."""
    t = services.time_off_decide(time_off_id=time_off_id, approve=True, actor=request.user)
    return _time_off_out(t)


class TimeOffRefuseIn(Schema):
    reason: str = Field(..., max_length=500)


@router.post("/scheduling/time-off/{time_off_id}/refuse", response={200: TimeOffOut, **errors(401, 403, 404, 409, 422)})
def time_off_refuse(request: AuthedRequest, time_off_id: int, payload: TimeOffRefuseIn) -> Any:
    """Refuse a time-off request with a reason (the consultant is told)."""
    t = services.time_off_decide(time_off_id=time_off_id, approve=False, actor=request.user, reason=payload.reason)
    return _time_off_out(t)


class ForecastRunSummaryOut(Schema):
    id: int
    created_at: datetime
    week0: date
    horizon_weeks: int
    samples: int
    duration_ms: int
    entries: int


class ForecastRunRequestOut(Schema):
    id: str = Field(..., description="the request's id (the worker task)")
    status: str = Field(..., description="READY (queued), RUNNING, SUCCESSFUL or FAILED")
    enqueued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    run: ForecastRunSummaryOut | None = Field(None, description="the stored run once SUCCESSFUL (kept: last 5)")


def _run_request_out(r: selectors.ForecastRunRequest) -> dict[str, Any]:
    run = r.run
    return {
        "id": r.id,
        "status": r.status,
        "enqueued_at": r.enqueued_at,
        "started_at": r.started_at,
        "finished_at": r.finished_at,
        "run": {
            "id": run.pk,
            "created_at": run.created_at,
            "week0": run.week0,
            "horizon_weeks": run.horizon_weeks,
            "samples": run.samples,
            "duration_ms": run.duration_ms,
            "entries": run.results.count(),
        }
        if run is not None
        else None,
    }


@router.post("/scheduling/forecast-runs", response={202: ForecastRunRequestOut, **errors(401, 403)})
def forecast_run_request(request: AuthedRequest) -> Any:
    """Ask the worker for a forecast run; a run already waiting is returned instead of a second one."""
    permission_require(request.user, "scheduling.manage_queue")
    task_id = services.forecast_run_enqueue(actor=request.user)
    return Status(202, _run_request_out(selectors.forecast_run_request_get(request_id=task_id)))


@router.get("/scheduling/forecast-runs/{request_id}", response={200: ForecastRunRequestOut, **errors(401, 403, 404)})
def forecast_run_status(request: AuthedRequest, request_id: str) -> Any:
    """The status of a forecast run request and, once done, the run it stored."""
    permission_require(request.user, "scheduling.view_forecastrun")
    return _run_request_out(selectors.forecast_run_request_get(request_id=request_id))
