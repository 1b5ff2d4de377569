"""REST endpoints for SLA policies and business calendars. SLA state per engagement is served by
the board (`GET /engagements/{id}/sla`), which knows who may see an engagement."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from psdesk.core.api import errors
from psdesk.core.errors import ValidationFailed
from psdesk.core.inputs import LocalTime
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.sla.models import Calendar, SlaPolicy
from psdesk.sla.services import calendar_create, policy_create

router = Router(tags=["sla"])


class CalendarIn(Schema):
    key: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=100)
    country: str = Field(..., min_length=2, max_length=2)
    subdivision: str = Field("", max_length=10)
    timezone: str = Field("UTC", max_length=64)
    work_start: LocalTime = time(9, 0)
    work_end: LocalTime = time(17, 0)


class CalendarOut(Schema):
    id: int
    key: str
    name: str
    country: str
    subdivision: str
    timezone: str
    work_start: LocalTime
    work_end: LocalTime


class PolicyIn(Schema):
    key: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=100)
    start_event: str = Field(..., min_length=1, max_length=100)
    stop_event: str = Field(..., min_length=1, max_length=200)
    duration: Decimal = Field(..., max_digits=8, decimal_places=2)
    unit: str = Field("business_days", max_length=20)
    calendar: str | None = Field(None, max_length=50)
    warn_at_percent: int = Field(75, ge=-1000, le=1000)


class PolicyOut(Schema):
    id: int
    key: str
    name: str
    start_event: str
    stop_event: str
    duration: Decimal
    unit: str
    calendar: str | None
    warn_at_percent: int
    active: bool

    @staticmethod
    def resolve_calendar(obj: Any) -> str | None:
        return obj.calendar.key if obj.calendar_id else None


@router.get("/sla/policies", response={200: list[PolicyOut], **errors(401, 403)})
def list_policies(request: AuthedRequest) -> Any:
    """Every SLA policy (a handful)."""
    permission_require(request.user, "sla.view_slapolicy")
    return list(SlaPolicy.objects.select_related("calendar").order_by("key"))


@router.post("/sla/policies", response={201: PolicyOut, **errors(400, 401, 403, 422)})
def create_policy(request: AuthedRequest, payload: PolicyIn) -> Any:
    """Create a policy. 422 for a non-positive duration, unknown unit or calendar, bad warn-at."""
    permission_require(request.user, "sla.add_slapolicy")
    cal = None
    if payload.calendar:
        cal = Calendar.objects.filter(key=payload.calendar).first()
        if cal is None:
            raise ValidationFailed(f"Unknown calendar '{payload.calendar}'.", details={"field": "calendar"})
    policy = policy_create(actor=request.user, calendar=cal, **payload.dict(exclude={"calendar"}))
    return Status(201, policy)


@router.get("/sla/calendars", response={200: list[CalendarOut], **errors(401, 403)})
def list_calendars(request: AuthedRequest) -> Any:
    permission_require(request.user, "sla.view_calendar")
    return list(Calendar.objects.order_by("key"))


@router.post("/sla/calendars", response={201: CalendarOut, **errors(400, 401, 403, 422)})
def create_calendar(request: AuthedRequest, payload: CalendarIn) -> Any:
    """Create a business calendar. 422 with the reason for an unknown country, subdivision or
    timezone."""
    permission_require(request.user, "sla.add_calendar")
    return Status(201, calendar_create(actor=request.user, **payload.dict()))
