"""REST endpoints for delivery: a project's milestones, budget and close-out; marking a milestone
complete; closing and completing the project; billable events; change orders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictBool, StrictInt

from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import PermissionDenied
from psdesk.core.types import AuthedRequest
from psdesk.core.workflow import MoveContext
from psdesk.delivery import selectors, services
from psdesk.delivery.models import BillableEvent, Milestone
from psdesk.delivery.workflow import CHANGE_ORDER_WORKFLOW
from psdesk.projects.workflow import PROJECT_WORKFLOW

router = Router(tags=["delivery"])


class MilestoneActivityOut(Schema):
    activity: str
    description: str
    role: str
    hours: Decimal
    fee: Decimal


class MilestoneOut(Schema):
    id: int
    project_id: int
    position: int
    name: str
    source: str
    change_order_id: int | None
    hours: Decimal
    fee: Decimal
    currency: str
    status: str
    completed_at: datetime | None
    notice_to: str
    acceptance: str
    accepted_at: datetime | None
    accepted_by: str
    billable_event: str | None
    version: int
    activities: list[MilestoneActivityOut]

    @staticmethod
    def resolve_billable_event(obj: Any) -> str | None:
        event = getattr(obj, "billable_event", None) if hasattr(obj, "billable_event") else None
        return event.ref if event is not None else None

    @staticmethod
    def resolve_activities(obj: Any) -> list[Any]:
        return list(obj.activities.all())


class DeliveryBudgetOut(Schema):
    hours: Decimal
    fee: Decimal
    cost: Decimal
    margin: Decimal | None
    currency: str
    agreed_version: int | None
    change_orders: list[str]


class CloseOutItemOut(Schema):
    key: str
    label: str
    done: bool
    note: str


class DeliveryProjectOut(Schema):
    id: int
    name: str
    status: str
    budget: DeliveryBudgetOut
    milestones: list[MilestoneOut]
    close_out: list[CloseOutItemOut]
    close_refusal: str | None
    complete_refusal: str | None


class MilestoneCompleteIn(Schema):
    note: str = Field("", max_length=5000)
    expected_version: StrictInt | None = None


class CloseOutIn(Schema):
    done: StrictBool
    note: str = Field("", max_length=5000)


class MilestoneBillableEventOut(Schema):
    ref: str
    milestone_id: int
    project_id: int
    amount: Decimal
    currency: str
    acceptance: str
    service_date: date
    created_at: datetime

    @staticmethod
    def resolve_project_id(obj: Any) -> int:
        return int(obj.milestone.project_id)


class MilestoneBillableEventPage(Schema):
    count: int
    items: list[MilestoneBillableEventOut]


class MilestoneBillableEventParams(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


def _view(request: AuthedRequest) -> None:
    if not request.user.has_perm("delivery.view_milestone"):
        raise PermissionDenied("Your role may not see delivery.")


def _project_out(request: AuthedRequest, project_id: int) -> dict[str, Any]:
    p = selectors.project_get(user=request.user, project_id=project_id)
    b = selectors.project_budget(p)
    ctx = MoveContext(actor=request.user)
    return {
        "id": p.pk,
        "name": p.name,
        "status": p.status,
        "budget": {**b.__dict__, "margin": b.margin, "change_orders": list(b.change_orders)},
        "milestones": selectors.milestone_list(project=p),
        "close_out": [
            {"key": i.key, "label": i.get_key_display(), "done": i.done, "note": i.note}
            for i in selectors.close_out_items(p)
        ],
        "close_refusal": PROJECT_WORKFLOW.refusal(p, "close", ctx) if p.status == "active" else None,
        "complete_refusal": PROJECT_WORKFLOW.refusal(p, "complete", ctx) if p.status == "closed" else None,
    }


@router.get("/delivery/projects/{project_id}", response={200: DeliveryProjectOut, **errors(401, 403, 404)})
def get_delivery_project(request: AuthedRequest, project_id: int) -> Any:
    """A project's milestones (with acceptance and billing), budget (agreed estimate + executed change
    orders) and close-out checklist, with what still blocks Close and Complete."""
    _view(request)
    return _project_out(request, project_id)


@router.get("/delivery/projects/{project_id}/budget", response={200: DeliveryBudgetOut, **errors(401, 403, 404)})
def get_delivery_budget(request: AuthedRequest, project_id: int) -> Any:
    _view(request)
    b = selectors.project_budget(selectors.project_get(user=request.user, project_id=project_id))
    return {**b.__dict__, "margin": b.margin, "change_orders": list(b.change_orders)}


@router.get("/delivery/milestones/{milestone_id}", response={200: MilestoneOut, **errors(401, 403, 404)})
def get_milestone(request: AuthedRequest, milestone_id: int) -> Any:
    _view(request)
    return _milestone(request, milestone_id)


def _milestone(request: AuthedRequest, milestone_id: int) -> Milestone:
    m = selectors.milestone_get(user=request.user, milestone_id=milestone_id)
    return Milestone.objects.select_related("billable_event").prefetch_related("activities").get(pk=m.pk)


@router.post(
    "/delivery/milestones/{milestone_id}/complete", response={200: MilestoneOut, **errors(400, 401, 403, 404, 409, 422)}
)
def complete_milestone(request: AuthedRequest, milestone_id: int, payload: MilestoneCompleteIn) -> Any:
    """The project manager marks the milestone complete: the completion notice (signed link to accept
    or report a non-conformity) goes to the customer's signer and the acceptance period starts."""
    _view(request)
    services.milestone_complete(
        milestone_id=milestone_id, actor=request.user, note=payload.note, expected_version=payload.expected_version
    )
    return _milestone(request, milestone_id)


@router.put(
    "/delivery/projects/{project_id}/close-out/{key}",
    response={200: DeliveryProjectOut, **errors(401, 403, 404, 409, 422)},
)
def set_close_out_item(request: AuthedRequest, project_id: int, key: str, payload: CloseOutIn) -> Any:
    """Tick or untick one close-out item: final_report, satisfaction, lessons_learned."""
    _view(request)
    services.close_out_set(project_id=project_id, key=key, done=payload.done, note=payload.note, actor=request.user)
    return _project_out(request, project_id)


@router.post("/delivery/projects/{project_id}/close", response={200: DeliveryProjectOut, **errors(401, 403, 404, 409)})
def close_project(request: AuthedRequest, project_id: int) -> Any:
    """Active → Closed: every milestone accepted and every registered close-out check passes."""
    _view(request)
    services.project_close(project_id=project_id, actor=request.user)
    return _project_out(request, project_id)


@router.post(
    "/delivery/projects/{project_id}/complete", response={200: DeliveryProjectOut, **errors(401, 403, 404, 409)}
)
def complete_project(request: AuthedRequest, project_id: int) -> Any:
    """Closed → Completed: the close-out checklist is done."""
    _view(request)
    services.project_complete(project_id=project_id, actor=request.user)
    return _project_out(request, project_id)


@router.get("/delivery/billable-events", response={200: MilestoneBillableEventPage, **errors(401, 403, 422)})
def list_billable_events(request: AuthedRequest, params: Query[MilestoneBillableEventParams]) -> Any:
    """Accepted milestones billed, newest first (PubSec rows only for members)."""
    _view(request)
    qs = BillableEvent.objects.filter(milestone__in=Milestone.objects.visible_to(request.user)).select_related(
        "milestone"
    )
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}


# --- change orders -------------------------------------------------------------------------------


class ChangeOrderLineOut(Schema):
    kind: str
    activity: str
    role: str
    hours_before: str
    hours_after: str
    fee_delta: str


class ChangeOrderOut(Schema):
    id: int
    code: str
    project_id: int
    status: str
    estimate_version: int
    base_version: int
    reason: str
    lines: list[ChangeOrderLineOut]
    hours_delta: Decimal
    fee_delta: Decimal
    cost_delta: Decimal
    margin_before: Decimal | None
    margin_after: Decimal | None
    currency: str
    content_hash: str
    pdf_sha256: str
    executed_pdf_sha256: str
    signer_name: str
    signer_title: str
    signed_on: date | None
    required_approvals: list[str]
    expires_at: datetime
    executed_at: datetime | None
    version: int

    @staticmethod
    def resolve_estimate_version(obj: Any) -> int:
        return int(obj.estimate_version.number)

    @staticmethod
    def resolve_base_version(obj: Any) -> int:
        return int(obj.base_version.number)

    @staticmethod
    def resolve_lines(obj: Any) -> list[dict[str, Any]]:
        return list(obj.delta.get("lines", []))

    @staticmethod
    def resolve_required_approvals(obj: Any) -> list[str]:
        return services.required_approvals(obj)


class ChangeOrderIn(Schema):
    estimate_version_id: StrictInt
    reason: str = Field(..., min_length=1, max_length=5000)


class ChangeOrderDecisionIn(Schema):
    kind: str = Field(..., max_length=20)
    approve: StrictBool
    comment: str = Field("", max_length=5000)


class ChangeOrderSendIn(Schema):
    signer_email: str = Field("", max_length=254)
    signer_name: str = Field("", max_length=200)


class ChangeOrderSigningLinkOut(Schema):
    """One emailed signing link (the token itself is never stored nor shown)."""

    id: int
    signer_name: str
    signer_email: str
    status: str
    pdf_sha256: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    decline_reason: str


class ChangeOrderSignatureOut(Schema):
    """One party's signature with its evidence."""

    party: str
    name: str
    title: str
    email: str
    signed_on: date
    signed_at: datetime
    signed_pdf_sha256: str
    ip_address: str | None
    user_agent: str
    consent: str
    by_link: bool


class ChangeOrderSignatureStatusOut(Schema):
    change_order_id: int
    status: str
    signing_links: list[ChangeOrderSigningLinkOut]
    signatures: list[ChangeOrderSignatureOut]
    executed_pdf_sha256: str
    countersign_refusal: str | None


class ChangeOrderCountersignIn(Schema):
    name: str = Field("", max_length=200)
    title: str = Field("", max_length=200)


class ChangeOrderSignIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    title: str = Field(..., min_length=1, max_length=200)
    signed_on: date | None = None


class ChangeOrderWithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=5000)


def _co_view(request: AuthedRequest) -> None:
    if not request.user.has_perm("delivery.view_changeorder"):
        raise PermissionDenied("Your role may not see change orders.")


def _co(request: AuthedRequest, change_order_id: int) -> Any:
    return selectors.change_order_get(user=request.user, change_order_id=change_order_id)


@router.get(
    "/delivery/projects/{project_id}/change-orders", response={200: list[ChangeOrderOut], **errors(401, 403, 404)}
)
def list_change_orders(request: AuthedRequest, project_id: int) -> Any:
    _co_view(request)
    return selectors.change_order_list(project=selectors.project_get(user=request.user, project_id=project_id))


@router.post(
    "/delivery/projects/{project_id}/change-orders",
    response={201: ChangeOrderOut, **errors(400, 401, 403, 404, 409, 422)},
)
def create_change_order(request: AuthedRequest, project_id: int, payload: ChangeOrderIn) -> Any:
    """The EM creates a change order on an Active project from a newer estimate version of its
    engagement: delta, document (content hash, DOCX, PDF). 409 when the project is not Active or
    another change order is open."""
    _co_view(request)
    co = services.change_order_create(
        project_id=project_id,
        estimate_version_id=payload.estimate_version_id,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, _co(request, co.pk))


@router.get("/delivery/change-orders/{change_order_id}", response={200: ChangeOrderOut, **errors(401, 403, 404)})
def get_change_order(request: AuthedRequest, change_order_id: int) -> Any:
    _co_view(request)
    return _co(request, change_order_id)


@router.post(
    "/delivery/change-orders/{change_order_id}/submit", response={200: ChangeOrderOut, **errors(401, 403, 404, 409)}
)
def submit_change_order(request: AuthedRequest, change_order_id: int) -> Any:
    """Request the approvals on the content hash (PS Leadership; Revenue when the fee changes)."""
    _co_view(request)
    services.change_order_submit(change_order_id=change_order_id, actor=request.user)
    return _co(request, change_order_id)


@router.post(
    "/delivery/change-orders/{change_order_id}/decisions",
    response={200: ChangeOrderOut, **errors(401, 403, 404, 409, 422)},
)
def decide_change_order(request: AuthedRequest, change_order_id: int, payload: ChangeOrderDecisionIn) -> Any:
    """An approver decides the pending request of `kind` (ps_leadership, revenue) on the current hash."""
    _co_view(request)
    services.change_order_decide(
        change_order_id=change_order_id,
        kind=payload.kind,
        approve=payload.approve,
        comment=payload.comment,
        actor=request.user,
    )
    return _co(request, change_order_id)


@router.post(
    "/delivery/change-orders/{change_order_id}/send", response={200: ChangeOrderOut, **errors(401, 403, 404, 409, 422)}
)
def send_change_order(request: AuthedRequest, change_order_id: int, payload: ChangeOrderSendIn) -> Any:
    _co_view(request)
    services.change_order_send(
        change_order_id=change_order_id,
        actor=request.user,
        signer_email=payload.signer_email,
        signer_name=payload.signer_name,
    )
    return _co(request, change_order_id)


@router.get(
    "/delivery/change-orders/{change_order_id}/signature-status",
    response={200: ChangeOrderSignatureStatusOut, **errors(401, 403, 404)},
)
def get_change_order_signature_status(request: AuthedRequest, change_order_id: int) -> Any:
    """The e-signature of a change order: the emailed signing links (status, expiry, use, a decline's
    reason) and each party's signature with its evidence (email, time, IP, user agent, the SHA-256
    of the PDF signed, consent); the executed PDF's SHA-256; why the caller may not countersign."""
    _co_view(request)
    co = _co(request, change_order_id)
    refusal = (
        CHANGE_ORDER_WORKFLOW.refusal(co, "countersign", MoveContext(actor=request.user))
        if co.status == "customer_signed"
        else None
    )
    return {
        "change_order_id": co.pk,
        "status": co.status,
        "signing_links": list(co.signature_requests.all()),
        "signatures": list(co.signatures.all()),
        "executed_pdf_sha256": co.executed_pdf_sha256,
        "countersign_refusal": refusal,
    }


@router.post(
    "/delivery/change-orders/{change_order_id}/countersign",
    response={200: ChangeOrderOut, **errors(401, 403, 404, 409, 422)},
)
def countersign_change_order(request: AuthedRequest, change_order_id: int, payload: ChangeOrderCountersignIn) -> Any:
    """The vendor signatory countersigns the customer-signed change order: executed, the sealed
    executed PDF stored, the project's budget, milestones, tasks and queue demand updated."""
    _co_view(request)
    services.change_order_countersign(
        change_order_id=change_order_id, actor=request.user, name=payload.name, title=payload.title
    )
    return _co(request, change_order_id)


@router.post(
    "/delivery/change-orders/{change_order_id}/signature",
    response={200: ChangeOrderOut, **errors(401, 403, 404, 409, 422)},
)
def sign_change_order(request: AuthedRequest, change_order_id: int, payload: ChangeOrderSignIn) -> Any:
    """Record a customer's signature made on paper: the change order waits for the vendor
    signatory's countersignature (which executes it). The e-signature goes through the emailed link."""
    _co_view(request)
    services.change_order_sign(
        change_order_id=change_order_id,
        actor=request.user,
        name=payload.name,
        title=payload.title,
        signed_on=payload.signed_on,
    )
    return _co(request, change_order_id)


@router.post(
    "/delivery/change-orders/{change_order_id}/withdraw",
    response={200: ChangeOrderOut, **errors(401, 403, 404, 409, 422)},
)
def withdraw_change_order(request: AuthedRequest, change_order_id: int, payload: ChangeOrderWithdrawIn) -> Any:
    _co_view(request)
    services.change_order_withdraw(change_order_id=change_order_id, actor=request.user, reason=payload.reason)
    return _co(request, change_order_id)
