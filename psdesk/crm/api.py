"""REST endpoints for accounts, MSAs, opportunities and stage moves (built-in CRM)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictBool, StrictInt

from psdesk.core import clock
from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.inputs import IsoDate
from psdesk.core.money import MoneyError, to_decimal
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.crm.models import Opportunity, Territory
from psdesk.crm.selectors import (
    OpportunityFilters,
    account_get,
    account_list,
    opportunity_get,
    opportunity_list,
    opportunity_moves,
    opportunity_stage_history,
)
from psdesk.crm.services import (
    account_create,
    msa_add,
    opportunity_create,
    opportunity_name_suggest,
    opportunity_po_record,
    opportunity_transition,
    opportunity_update,
)
from psdesk.crm.workflow import CRM_WORKFLOW

router = Router(tags=["crm"])


def _money(value: str | int | None, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return to_decimal(value, places=2, field=field)
    except MoneyError as exc:
        raise ValidationFailed(str(exc), details={"field": field}) from None


class MsaOut(Schema):
    id: int
    reference: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    in_force: bool

    @staticmethod
    def resolve_in_force(obj: Any) -> bool:
        return bool(obj.in_force_on(clock.today()))


class AccountOut(Schema):
    id: int
    name: str
    segment: str
    territory: str | None
    country: str
    subdivision: str
    timezone: str
    us_public_sector: bool
    owner_id: int | None

    @staticmethod
    def resolve_territory(obj: Any) -> str | None:
        return obj.territory.name if obj.territory_id else None


class AccountDetail(AccountOut):
    msas: list[MsaOut]

    @staticmethod
    def resolve_msas(obj: Any) -> list[Any]:
        return list(obj.msas.all())


class AccountPage(Schema):
    count: int
    items: list[AccountOut]


class AccountParams(Schema):
    q: str | None = Field(None, max_length=100)
    segment: str | None = Field(None, max_length=16)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class AccountIn(Schema):
    name: str = Field(..., max_length=200)
    segment: str = Field("MM_East", max_length=16)
    territory: str | None = Field(None, max_length=100)
    country: str = Field("US", max_length=2)
    subdivision: str = Field("", max_length=10)
    timezone: str = Field("America/New_York", max_length=64)
    us_public_sector: bool = False


class MsaIn(Schema):
    reference: str = Field(..., max_length=100)
    effective_from: IsoDate
    effective_to: IsoDate | None = None


class OpportunityOut(Schema):
    id: int
    name: str
    account_id: int
    account_name: str
    record_type: str
    parent_id: int | None
    owner_id: int | None
    stage: str
    stage_label: str
    forecast_category: str
    close_date: datetime.date | None
    amount: Decimal
    currency: str
    engagement_manager_id: int | None
    em_confidence: str
    em_confidence_rationale: str
    ps_value: Decimal
    education_value: Decimal
    po_number: str
    no_po_required: bool
    account_team: list[int]
    version: int

    @staticmethod
    def resolve_account_name(obj: Any) -> str:
        return str(obj.account.name)

    @staticmethod
    def resolve_stage_label(obj: Any) -> str:
        return CRM_WORKFLOW.states[obj.stage]

    @staticmethod
    def resolve_account_team(obj: Any) -> list[int]:
        return [u.pk for u in obj.account_team.all()]


class MoveOut(Schema):
    action: str
    label: str
    target: str
    needs_reason: bool
    refusal: str | None


class StageChangeOut(Schema):
    at: datetime.datetime
    actor: str
    source: str
    target: str
    reason: str


class OpportunityDetail(OpportunityOut):
    moves: list[MoveOut]
    history: list[StageChangeOut]


class OpportunityPage(Schema):
    count: int
    items: list[OpportunityOut]


class OpportunityParams(Schema):
    q: str | None = Field(None, max_length=100)
    stage: str | None = Field(None, max_length=32)
    record_type: str | None = Field(None, max_length=32)
    account_id: int | None = None
    mine: bool = False
    open_only: bool = False
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class OpportunityIn(Schema):
    account_id: int
    record_type: str = Field("professional_services_only", max_length=32)
    name: str = Field("", max_length=255, description="empty: `<Company>- Professional Services <MM/YY>`")
    parent_id: int | None = None
    close_date: IsoDate | None = None
    amount: str = Field("0.00", max_length=20, description="decimal string")
    currency: str = Field("USD", max_length=3)
    forecast_category: str = Field("pipeline", max_length=16)
    account_team_ids: list[int] = Field(default_factory=list, max_length=50)
    engagement_manager_id: int | None = None


class OpportunityPatch(Schema):
    name: str | None = Field(None, max_length=255)
    close_date: IsoDate | None = None
    amount: str | None = Field(None, max_length=20)
    forecast_category: str | None = Field(None, max_length=16)
    engagement_manager_id: int | None = None
    em_confidence: str | None = Field(None, max_length=8)
    em_confidence_rationale: str | None = Field(None, max_length=5000)
    ps_value: str | None = Field(None, max_length=20)
    education_value: str | None = Field(None, max_length=20)
    po_number: str | None = Field(None, max_length=64)
    no_po_required: bool | None = None
    expected_version: StrictInt | None = None


class OpportunityTransitionIn(Schema):
    action: str = Field(..., max_length=64)
    reason: str = Field("", max_length=5000)
    expected_version: StrictInt | None = None


class OpportunityPoIn(Schema):
    po_number: str = Field("", max_length=64, description="empty with no_po_required false: clear the PO")
    no_po_required: StrictBool = False
    expected_version: StrictInt | None = None


class NameSuggestionOut(Schema):
    name: str


@router.get("/crm/accounts", response={200: AccountPage, **errors(400, 401, 403, 422)})
def list_accounts(request: AuthedRequest, params: Query[AccountParams]) -> Any:
    """Accounts you may see (US PubSec accounts only for PubSec members)."""
    permission_require(request.user, "crm.view_account")
    qs = account_list(user=request.user, q=params.q or "", segment=params.segment or "")
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}


@router.get("/crm/accounts/{account_id}", response={200: AccountDetail, **errors(401, 403, 404)})
def get_account(request: AuthedRequest, account_id: int) -> Any:
    permission_require(request.user, "crm.view_account")
    return account_get(user=request.user, account_id=account_id)


@router.post("/crm/accounts", response={201: AccountOut, **errors(400, 401, 403, 422)})
def create_account(request: AuthedRequest, payload: AccountIn) -> Any:
    permission_require(request.user, "crm.add_account")
    territory = None
    if payload.territory:
        territory = Territory.objects.filter(name=payload.territory).first()
        if territory is None:
            raise ValidationFailed(f"Unknown territory '{payload.territory}'.", details={"field": "territory"})
    acc = account_create(
        actor=request.user,
        name=payload.name,
        segment=payload.segment,
        territory=territory,
        country=payload.country,
        subdivision=payload.subdivision,
        timezone=payload.timezone,
        us_public_sector=payload.us_public_sector,
    )
    return Status(201, acc)


@router.post("/crm/accounts/{account_id}/msas", response={201: MsaOut, **errors(400, 401, 403, 404, 422)})
def add_msa(request: AuthedRequest, account_id: int, payload: MsaIn) -> Any:
    """Record an MSA on file with its effective dates."""
    permission_require(request.user, "crm.add_msa")
    acc = account_get(user=request.user, account_id=account_id)
    msa = msa_add(
        account=acc,
        actor=request.user,
        reference=payload.reference,
        effective_from=payload.effective_from,
        effective_to=payload.effective_to,
    )
    return Status(201, msa)


@router.get("/crm/accounts/{account_id}/opportunity-name", response={200: NameSuggestionOut, **errors(401, 403, 404)})
def suggest_name(request: AuthedRequest, account_id: int) -> Any:
    """The naming convention for a new PS opportunity of this account."""
    permission_require(request.user, "crm.view_account")
    return {"name": opportunity_name_suggest(account=account_get(user=request.user, account_id=account_id))}


@router.get("/crm/opportunities", response={200: OpportunityPage, **errors(400, 401, 403, 422)})
def list_opportunities(request: AuthedRequest, params: Query[OpportunityParams]) -> Any:
    permission_require(request.user, "crm.view_opportunity")
    if params.stage and params.stage not in CRM_WORKFLOW.states:
        raise ValidationFailed(f"Unknown stage '{params.stage}'.", details={"field": "stage"})
    qs = opportunity_list(
        user=request.user,
        filters=OpportunityFilters(
            q=params.q or "",
            stage=params.stage or "",
            record_type=params.record_type or "",
            account_id=params.account_id,
            mine=params.mine,
            open_only=params.open_only,
        ),
    ).prefetch_related("account_team")
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}


def _detail(request: AuthedRequest, opportunity_id: int) -> Any:
    opp = opportunity_get(user=request.user, opportunity_id=opportunity_id)
    opp.moves = opportunity_moves(opp, request.user)  # type: ignore[attr-defined]
    opp.history = opportunity_stage_history(opportunity=opp)  # type: ignore[attr-defined]
    return opp


@router.get("/crm/opportunities/{opportunity_id}", response={200: OpportunityDetail, **errors(401, 403, 404)})
def get_opportunity(request: AuthedRequest, opportunity_id: int) -> Any:
    """One opportunity with its possible moves (and why each is refused now) and stage history."""
    permission_require(request.user, "crm.view_opportunity")
    return _detail(request, opportunity_id)


def _user(user_id: int | None, field: str) -> Any:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed(f"Unknown user {user_id}.", details={"field": field})
    return user


@router.post("/crm/opportunities", response={201: OpportunityOut, **errors(400, 401, 403, 404, 422)})
def create_opportunity(request: AuthedRequest, payload: OpportunityIn) -> Any:
    """Create an opportunity. A PS-only one needs `parent_id` (a license opportunity of the account)."""
    permission_require(request.user, "crm.add_opportunity")
    account = account_get(user=request.user, account_id=payload.account_id)
    parent = None
    if payload.parent_id is not None:
        parent = Opportunity.objects.visible_to(request.user).filter(pk=payload.parent_id).first()
        if parent is None:
            raise NotFound(f"opportunity {payload.parent_id} not found")
    opp = opportunity_create(
        actor=request.user,
        account=account,
        record_type=payload.record_type,
        name=payload.name,
        parent=parent,
        close_date=payload.close_date,
        amount=_money(payload.amount, "amount") or Decimal("0.00"),
        currency=payload.currency,
        forecast_category=payload.forecast_category,
        account_team=[_user(i, "account_team_ids") for i in payload.account_team_ids],
        engagement_manager=_user(payload.engagement_manager_id, "engagement_manager_id"),
    )
    return Status(201, opp)


@router.patch(
    "/crm/opportunities/{opportunity_id}", response={200: OpportunityOut, **errors(400, 401, 403, 404, 409, 422)}
)
def patch_opportunity(request: AuthedRequest, opportunity_id: int, payload: OpportunityPatch) -> Any:
    """Edit fields (not the stage). PS-section fields are open to EMs."""
    permission_require(request.user, "crm.view_opportunity")
    raw = payload.dict(exclude_unset=True)
    expected = raw.pop("expected_version", None)
    changes: dict[str, Any] = {}
    for k, v in raw.items():
        if v is None and k not in ("close_date", "engagement_manager_id"):
            raise ValidationFailed(f"{k} cannot be null.", details={"field": k})
        if k in ("amount", "ps_value", "education_value"):
            changes[k] = _money(v, k)
        elif k == "engagement_manager_id":
            changes["engagement_manager"] = _user(v, k)
        else:
            changes[k] = v
    return opportunity_update(
        opportunity_id=opportunity_id, actor=request.user, changes=changes, expected_version=expected
    )


@router.post(
    "/crm/opportunities/{opportunity_id}/transitions",
    response={200: OpportunityDetail, **errors(400, 401, 403, 404, 409, 422)},
)
def transition_opportunity(request: AuthedRequest, opportunity_id: int, payload: OpportunityTransitionIn) -> Any:
    """Move the stage (`forward_to_<stage>`, `back_to_<stage>`, `close_won`, `close_lost`, `unqualify`,
    `mark_duplicate`). 409 with the reason when refused; 404 when not visible."""
    permission_require(request.user, "crm.view_opportunity")
    opportunity_transition(
        opportunity_id=opportunity_id,
        action=payload.action,
        actor=request.user,
        reason=payload.reason,
        expected_version=payload.expected_version,
    )
    return _detail(request, opportunity_id)


@router.put(
    "/crm/opportunities/{opportunity_id}/po", response={200: OpportunityOut, **errors(400, 401, 403, 404, 409, 422)}
)
def record_po(request: AuthedRequest, opportunity_id: int, payload: OpportunityPoIn) -> Any:
    """Record the PO number or "no PO required" (Deal Desk, or the opportunity's owner); audited.
    Closed Won of custom work needs one of the two."""
    permission_require(request.user, "crm.view_opportunity")
    return opportunity_po_record(
        opportunity_id=opportunity_id,
        actor=request.user,
        po_number=payload.po_number,
        no_po_required=payload.no_po_required,
        expected_version=payload.expected_version,
    )
