"""REST endpoints for delivery: a project's milestones, budget and close-out; marking a milestone
complete; closing and completing the project; billable events; change orders."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Query, Router, Schema
from pydantic import Field, StrictBool, StrictInt

from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import PermissionDenied
from psdesk.core.types import AuthedRequest
from psdesk.core.workflow import MoveContext
from psdesk.delivery import selectors, services
from psdesk.delivery.models import BillableEvent, Milestone
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


class BillableEventOut(Schema):
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


class BillableEventPage(Schema):
    count: int
    items: list[BillableEventOut]


class BillableEventParams(Schema):
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


@router.get("/delivery/billable-events", response={200: BillableEventPage, **errors(401, 403, 422)})
def list_billable_events(request: AuthedRequest, params: Query[BillableEventParams]) -> Any:
    """Accepted milestones billed, newest first (PubSec rows only for members)."""
    _view(request)
    qs = BillableEvent.objects.filter(milestone__in=Milestone.objects.visible_to(request.user)).select_related(
        "milestone"
    )
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}
