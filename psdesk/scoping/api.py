"""REST endpoints for scoping: service types, calculator requests, SSOT answers, the draft
estimate, the scheduling intake, Ask PS and PubSec access requests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictInt

from psdesk.audit.models import AuditEvent
from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import NotFound, PermissionDenied
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.engagements.models import Engagement, SchedulingIntake
from psdesk.engagements.services import INTAKE_FIELDS, scheduling_intake_update
from psdesk.scoping.answers import is_answered
from psdesk.scoping.effort import EffortDiff, EffortResult
from psdesk.scoping.selectors import (
    ask_ps_get,
    ask_ps_questions_of,
    draft_estimate,
    service_type_list,
    ssot_can_edit,
    ssot_rows,
)
from psdesk.scoping.services import (
    NewCustomer,
    NewLicenseOpportunity,
    NewOpportunity,
    SsotAnswer,
    ask_ps_answer,
    ask_ps_submit,
    pubsec_access_decide,
    pubsec_access_request,
    scoping_request_submit,
    ssot_answer_set,
    ssot_answers_set,
)

router = Router(tags=["scoping"])


class ScopingQuestionOut(Schema):
    key: str
    text: str
    answer_type: str
    choices: list[str]
    multiple: bool
    example: str
    rationale: str
    required: bool


class ScopingServiceTypeOut(Schema):
    key: str
    name: str
    description: str
    questions: list[ScopingQuestionOut]

    @staticmethod
    def resolve_questions(obj: Any) -> list[Any]:
        return list(obj.questions.all())


class ScopingNewCustomerIn(Schema):
    name: str = Field(..., max_length=200)
    territory_id: int | None = None
    segment: str = Field("", max_length=16, description="empty: MM_East (PubSec for a US Public Sector customer)")
    country: str = Field("US", max_length=2, description="ISO 3166-1 alpha-2")
    subdivision: str = Field("", max_length=10, description="state / region, e.g. NY, BY")
    timezone: str = Field("", max_length=64, description="IANA name; empty: America/New_York")


class ScopingNewLicenseOpportunityIn(Schema):
    name: str = Field("", max_length=255, description="empty: `<Company> - License`")
    close_date: date | None = None
    amount: Decimal = Field(Decimal("0.00"), ge=0, max_digits=14, decimal_places=2)


class ScopingNewOpportunityIn(Schema):
    name: str = Field("", max_length=255, description="empty: `<Company>- Professional Services <MM/YY>`")
    close_date: date | None = None
    parent_id: int | None = Field(None, description="an existing licence opportunity of the account")
    new_parent: ScopingNewLicenseOpportunityIn | None = Field(None, description="or a new licence opportunity")


class ScopingRequestIn(Schema):
    account_id: int | None = None
    new_customer: ScopingNewCustomerIn | None = None
    opportunity_id: int | None = Field(None, description="an open PS-only opportunity of the account")
    new_opportunity: ScopingNewOpportunityIn | None = None
    us_public_sector: bool = False
    service_types: list[str] = Field(..., min_length=1, max_length=10)
    answers: dict[str, dict[str, Any]] = {}
    intake: dict[str, Any] = {}


class ScopingRequestOut(Schema):
    engagement_id: int
    title: str
    state: str
    account_id: int
    opportunity_id: int | None
    em: str | None
    labels: list[str]
    created: bool
    duplicate: bool


class ScopingSsotRowOut(Schema):
    id: int
    service_type: str
    key: str
    question: str
    response: str
    example: str
    rationale: str
    required: bool
    answer_type: str
    choices: list[str]
    version: int
    updated_at: datetime


class ScopingSsotTableOut(Schema):
    engagement_id: int
    can_edit: bool
    missing_required: list[str]
    rows: list[ScopingSsotRowOut]


class ScopingAnswerIn(Schema):
    response: str | bool | int | float | None
    expected_version: StrictInt | None = None


class ScopingLineOut(Schema):
    service_type: str
    activity: str
    description: str
    role: str
    hours: Decimal
    delivery: str
    provenance: list[str]


class ScopingRemovedOut(Schema):
    service_type: str
    activity: str
    reason: str


class ScopingEstimateOut(Schema):
    engagement_id: int
    total_hours: Decimal
    hours_by_role: dict[str, Decimal]
    lines: list[ScopingLineOut]
    removed: list[ScopingRemovedOut]


class ScopingChangeOut(Schema):
    service_type: str
    activity: str
    description: str
    status: str
    before_hours: Decimal
    after_hours: Decimal
    delta: Decimal
    provenance: list[str]


class ScopingDiffOut(Schema):
    before_total: Decimal
    after_total: Decimal
    delta: Decimal
    changes: list[ScopingChangeOut]


class ScopingAnswerOut(Schema):
    row: ScopingSsotRowOut
    diff: ScopingDiffOut


class ScopingIntakeOut(Schema):
    engagement_id: int
    contacts: list[dict[str, str]]
    skills_needed: list[str]
    start_window_from: date | None
    start_window_to: date | None
    delivery_mode: str
    timezone: str
    security_requirements: str
    us_citizenship_required: bool
    clearance_required: str
    pricing_model: str
    partner_staffing_allowed: bool | None
    sow_po_number: str
    customer_readiness: str
    em_checklist: list[dict[str, Any]]
    version: int


class ScopingIntakeIn(Schema):
    changes: dict[str, Any]
    expected_version: StrictInt | None = None


class ScopingAskPsIn(Schema):
    kind: str = Field(..., max_length=16)
    subject: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=10_000)
    account_id: int | None = None


class ScopingAskPsOut(Schema):
    id: int
    kind: str
    route: str
    routed_to: str | None
    created_at: datetime


class ScopingAskPsAnswerIn(Schema):
    body: str = Field(..., min_length=1, max_length=10_000)


class ScopingAskPsAnswerOut(Schema):
    id: int
    author: str
    body: str
    created_at: datetime


class ScopingAskPsQuestionOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    account_id: int | None
    route: str
    routed_to: str | None
    created_at: datetime
    answers: list[ScopingAskPsAnswerOut]


class ScopingAccessRequestIn(Schema):
    justification: str = Field(..., min_length=1, max_length=5000)


class ScopingAccessDecisionIn(Schema):
    grant: bool
    reason: str = Field("", max_length=5000)


class ScopingAccessRequestOut(Schema):
    id: int
    user: str
    status: str = Field(description="pending, awaiting_second (four-eyes: a second approver confirms), granted, denied")
    first_approved_by: str | None
    decided_by: str | None
    decision_reason: str


def _engagement(request: AuthedRequest, engagement_id: int) -> Engagement:
    eng = (
        Engagement.objects.visible_to(request.user)
        .select_related("account", "opportunity", "em")
        .filter(pk=engagement_id)
        .first()
    )
    if eng is None:
        raise NotFound(f"engagement {engagement_id} not found")
    return eng


def _row_out(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "service_type": r.service_type,
        "key": r.key,
        "question": r.text,
        "response": r.response,
        "example": r.example,
        "rationale": r.rationale,
        "required": r.required,
        "answer_type": r.answer_type,
        "choices": r.choices,
        "version": r.version,
        "updated_at": r.updated_at,
    }


def _estimate_out(eng_id: int, result: EffortResult) -> dict[str, Any]:
    return {
        "engagement_id": eng_id,
        "total_hours": result.total_hours,
        "hours_by_role": result.hours_by_role(),
        "lines": [
            {
                **{k: getattr(ln, k) for k in ("service_type", "activity", "description", "role", "hours", "delivery")},
                "provenance": list(ln.provenance),
            }
            for ln in result.lines
        ],
        "removed": [
            {"service_type": r.service_type, "activity": r.activity, "reason": r.reason} for r in result.removed
        ],
    }


def _diff_out(diff: EffortDiff) -> dict[str, Any]:
    return {
        "before_total": diff.before_total,
        "after_total": diff.after_total,
        "delta": diff.delta,
        "changes": [
            {
                "service_type": c.service_type,
                "activity": c.activity,
                "description": c.description,
                "status": c.status,
                "before_hours": c.before_hours,
                "after_hours": c.after_hours,
                "delta": c.delta,
                "provenance": list(c.provenance),
            }
            for c in diff.changes
        ],
    }


def _intake_out(intake: SchedulingIntake) -> dict[str, Any]:
    return {
        "engagement_id": intake.engagement_id,
        "version": intake.version,
        **{f: getattr(intake, f) for f in INTAKE_FIELDS},
    }


@router.get("/scoping/service-types", response={200: list[ScopingServiceTypeOut], **errors(401, 403, 422)})
def list_service_types(request: AuthedRequest) -> Any:
    """The questionnaires: service types with their questions (example, rationale, required)."""
    permission_require(request.user, "scoping.view_servicetype")
    return list(service_type_list())


@router.post(
    "/scoping/requests", response={200: ScopingRequestOut, 201: ScopingRequestOut, **errors(400, 401, 403, 404, 422)}
)
def create_request(request: AuthedRequest, payload: ScopingRequestIn) -> Any:
    """Submit a Services Calculator request (same validation as the form). 201 with the new
    engagement; 200 with the existing one when the same request was submitted within a minute."""
    nc, no = payload.new_customer, payload.new_opportunity
    new_opportunity = None
    if no is not None:
        np = no.new_parent
        new_opportunity = NewOpportunity(
            name=no.name,
            close_date=no.close_date,
            parent_id=no.parent_id,
            new_parent=NewLicenseOpportunity(**np.dict()) if np is not None else None,
        )
    result = scoping_request_submit(
        requester=request.user,
        service_types=payload.service_types,
        answers=payload.answers,
        account_id=payload.account_id,
        new_customer=NewCustomer(**nc.dict()) if nc is not None else None,
        opportunity_id=payload.opportunity_id,
        new_opportunity=new_opportunity,
        us_public_sector=payload.us_public_sector,
        intake=payload.intake,
    )
    eng = result.engagement
    out = {
        "engagement_id": eng.pk,
        "title": eng.title,
        "state": eng.state,
        "account_id": eng.account_id,
        "opportunity_id": eng.opportunity_id,
        "em": eng.em.username if eng.em else None,
        "labels": list(eng.labels.values_list("name", flat=True)),
        "created": result.created,
        "duplicate": not result.created,
    }
    return Status(201 if result.created else 200, out)


@router.get(
    "/scoping/engagements/{engagement_id}/ssot", response={200: ScopingSsotTableOut, **errors(401, 403, 404, 422)}
)
def get_ssot(request: AuthedRequest, engagement_id: int) -> Any:
    """The engagement's SSOT table (question / response / example / rationale; required rows)."""
    permission_require(request.user, "scoping.view_ssotrow")
    eng = _engagement(request, engagement_id)
    rows = ssot_rows(engagement=eng)
    return {
        "engagement_id": eng.pk,
        "can_edit": ssot_can_edit(user=request.user, engagement=eng),
        "missing_required": [r.text for r in rows if r.required and not is_answered(r.response)],
        "rows": [_row_out(r) for r in rows],
    }


@router.patch(
    "/scoping/engagements/{engagement_id}/ssot/{row_id}",
    response={200: ScopingAnswerOut, **errors(400, 401, 403, 404, 409, 422)},
)
def answer_ssot(request: AuthedRequest, engagement_id: int, row_id: int, payload: ScopingAnswerIn) -> Any:
    """Record a customer response; returns the row and the estimate diff. 409 on a stale
    `expected_version`; 422 when the answer does not fit the question."""
    permission_require(request.user, "scoping.change_ssotrow")
    eng = _engagement(request, engagement_id)
    if not eng.ssot_rows.filter(pk=row_id).exists():
        raise NotFound(f"SSOT row {row_id} not found")
    result = ssot_answer_set(
        row_id=row_id, response=payload.response, actor=request.user, expected_version=payload.expected_version
    )
    return {"row": _row_out(result.row), "diff": _diff_out(result.diff)}


class ScopingBatchAnswerIn(Schema):
    row_id: int
    response: str | bool | int | float | None
    expected_version: int | None = None


class ScopingBatchIn(Schema):
    answers: list[ScopingBatchAnswerIn] = Field(..., min_length=1, max_length=200)


class ScopingBatchOut(Schema):
    changed: list[ScopingSsotRowOut]
    diff: ScopingDiffOut


@router.patch(
    "/scoping/engagements/{engagement_id}/ssot",
    response={200: ScopingBatchOut, **errors(400, 401, 403, 404, 409, 422)},
)
def answer_ssot_batch(request: AuthedRequest, engagement_id: int, payload: ScopingBatchIn) -> Any:
    """Record several responses at once, all or nothing (the SSOT page's one Save): 422 lists every
    answer that does not fit (`details.errors`, `rows.<id>` → message naming the question); 409
    when a row changed since `expected_version` (`details.rows`)."""
    permission_require(request.user, "scoping.change_ssotrow")
    eng = _engagement(request, engagement_id)
    result = ssot_answers_set(
        engagement_id=eng.pk,
        answers=[
            SsotAnswer(row_id=a.row_id, response=a.response, expected_version=a.expected_version)
            for a in payload.answers
        ],
        actor=request.user,
    )
    return {"changed": [_row_out(r) for r in result.changed], "diff": _diff_out(result.diff)}


class ScopingHistoryParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class ScopingHistoryOut(Schema):
    at: datetime
    actor: str
    question: str
    before: str
    after: str


@router.get(
    "/scoping/engagements/{engagement_id}/ssot-history",
    response={200: list[ScopingHistoryOut], **errors(401, 403, 404, 422)},
)
def ssot_history(request: AuthedRequest, engagement_id: int, params: Query[ScopingHistoryParams]) -> Any:
    """Every change of an SSOT answer, newest first (from the audit log)."""
    permission_require(request.user, "scoping.view_ssotrow")
    eng = _engagement(request, engagement_id)
    events = AuditEvent.objects.for_target(eng).filter(verb="scoping.ssot_answered").order_by("-seq")
    return [
        {
            "at": ev.occurred_at,
            "actor": ev.actor_label,
            "question": str(ev.after.get("question", "")),
            "before": str(ev.before.get("response", "")),
            "after": str(ev.after.get("response", "")),
        }
        for ev in events[params.offset : params.offset + params.limit]
    ]


@router.get(
    "/scoping/engagements/{engagement_id}/estimate", response={200: ScopingEstimateOut, **errors(401, 403, 404, 422)}
)
def get_estimate(request: AuthedRequest, engagement_id: int) -> Any:
    """Run the effort model over the current answers: lines with provenance."""
    permission_require(request.user, "scoping.view_ssotrow")
    eng = _engagement(request, engagement_id)
    return _estimate_out(eng.pk, draft_estimate(engagement=eng))


@router.get(
    "/scoping/engagements/{engagement_id}/intake", response={200: ScopingIntakeOut, **errors(401, 403, 404, 422)}
)
def get_intake(request: AuthedRequest, engagement_id: int) -> Any:
    permission_require(request.user, "scoping.view_ssotrow")
    eng = _engagement(request, engagement_id)
    intake = SchedulingIntake.objects.filter(engagement=eng).first()
    if intake is None:
        raise NotFound(f"engagement {engagement_id} has no scheduling intake")
    return _intake_out(intake)


@router.patch(
    "/scoping/engagements/{engagement_id}/intake",
    response={200: ScopingIntakeOut, **errors(400, 401, 403, 404, 409, 422)},
)
def update_intake(request: AuthedRequest, engagement_id: int, payload: ScopingIntakeIn) -> Any:
    """Change scheduling-intake fields (account team and EM; audited; 409 when stale)."""
    permission_require(request.user, "scoping.change_ssotrow")
    eng = _engagement(request, engagement_id)
    if not ssot_can_edit(user=request.user, engagement=eng):
        raise PermissionDenied("Only the account team and the engagement manager may edit the intake.")
    intake = scheduling_intake_update(
        engagement=eng, data=payload.changes, actor=request.user, expected_version=payload.expected_version
    )
    return _intake_out(intake)


@router.post("/scoping/ask-ps", response={201: ScopingAskPsOut, **errors(400, 401, 403, 404, 422)})
def ask_ps(request: AuthedRequest, payload: ScopingAskPsIn) -> Any:
    """Ask PS: general → PS channel; about an account → its territory's EM (PubSec → private channel)."""
    req = ask_ps_submit(
        asker=request.user, kind=payload.kind, subject=payload.subject, body=payload.body, account_id=payload.account_id
    )
    return Status(
        201,
        {
            "id": req.pk,
            "kind": req.kind,
            "route": req.route,
            "routed_to": req.routed_to.username if req.routed_to else None,
            "created_at": req.created_at,
        },
    )


def _answer_out(a: Any) -> dict[str, Any]:
    return {"id": a.pk, "author": a.author.username, "body": a.body, "created_at": a.created_at}


def _question_out(q: Any) -> dict[str, Any]:
    return {
        "id": q.pk,
        "kind": q.kind,
        "subject": q.subject,
        "body": q.body,
        "account_id": q.account_id,
        "route": q.route,
        "routed_to": q.routed_to.username if q.routed_to else None,
        "created_at": q.created_at,
        "answers": [_answer_out(a) for a in q.answers.all()],
    }


@router.get("/scoping/ask-ps", response={200: list[ScopingAskPsQuestionOut], **errors(401)})
def ask_ps_mine(request: AuthedRequest, limit: int = 50) -> Any:
    """The questions I asked PS, newest first, with their answers."""
    return [_question_out(q) for q in ask_ps_questions_of(request.user)[: max(1, min(limit, MAX_LIMIT))]]


@router.get("/scoping/ask-ps/{question_id}", response={200: ScopingAskPsQuestionOut, **errors(401, 404)})
def ask_ps_one(request: AuthedRequest, question_id: int) -> Any:
    """One question with its answers (the asker, the EM it was routed to, PS staff; PubSec: members)."""
    return _question_out(ask_ps_get(user=request.user, request_id=question_id))


@router.post(
    "/scoping/ask-ps/{question_id}/answers",
    response={201: ScopingAskPsAnswerOut, **errors(400, 401, 403, 404, 422)},
)
def ask_ps_answer_create(request: AuthedRequest, question_id: int, payload: ScopingAskPsAnswerIn) -> Any:
    """Answer a question to PS (the EM it was routed to or PS staff); the asker is notified with the answer."""
    answer = ask_ps_answer(request_id=question_id, author=request.user, body=payload.body)
    return Status(201, _answer_out(answer))


def _access_out(req: Any) -> dict[str, Any]:
    return {
        "id": req.pk,
        "user": req.user.username,
        "status": req.status,
        "first_approved_by": req.first_approved_by.username if req.first_approved_by else None,
        "decided_by": req.decided_by.username if req.decided_by else None,
        "decision_reason": req.decision_reason,
    }


@router.post(
    "/scoping/pubsec-access-requests", response={201: ScopingAccessRequestOut, **errors(400, 401, 403, 409, 422)}
)
def request_pubsec_access(request: AuthedRequest, payload: ScopingAccessRequestIn) -> Any:
    """Ask to join US Public Sector; a PS Ops Manager decides."""
    return Status(201, _access_out(pubsec_access_request(user=request.user, justification=payload.justification)))


@router.post(
    "/scoping/pubsec-access-requests/{request_id}/decision",
    response={200: ScopingAccessRequestOut, **errors(400, 401, 403, 404, 409, 422)},
)
def decide_pubsec_access(request: AuthedRequest, request_id: int, payload: ScopingAccessDecisionIn) -> Any:
    """Decide one step: a PS Ops Manager (`accounts.grant_pubsec`) approves or denies a pending
    request; under the four-eyes policy it then awaits a second, different PS Ops Manager or PS
    Leadership (`accounts.confirm_pubsec`), whose approval grants membership (expiring after the
    policy's days). Denying needs a reason. 403 for the requester themselves, the first approver
    again, or a role that may not decide; 409 already decided."""
    return _access_out(
        pubsec_access_decide(request_id=request_id, grant=payload.grant, actor=request.user, reason=payload.reason)
    )
