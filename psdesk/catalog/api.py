"""REST endpoints for the service catalog, the rate card and cost rates."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from ninja import Query, Router, Schema
from pydantic import Field

from psdesk.audit.services import audit_record
from psdesk.catalog.choices import Maturity, RateRole, SkuCategory, SkuType
from psdesk.catalog.models import BillRate, Sku
from psdesk.catalog.selectors import cost_rate_info_get, list_rate_get, sku_get, sku_list
from psdesk.catalog.services import catalog_import_text, sku_values_parse
from psdesk.core import clock
from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import ValidationFailed
from psdesk.core.inputs import IsoDate
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest

router = Router(tags=["catalog"])


class SkuOut(Schema):
    code: str
    name: str
    category: str
    type: str
    maturity: str
    price: Decimal
    currency: str
    unit: str
    duration_days: Decimal
    class_size: int | None
    seat_addons_per_extra_attendee: int
    delivery: str
    description: str
    active: bool


class SkuPage(Schema):
    count: int
    items: list[SkuOut]


class SkuParams(Schema):
    category: str | None = Field(None, max_length=32)
    type: str | None = Field(None, max_length=32)
    maturity: str | None = Field(None, max_length=16)
    q: str | None = Field(None, max_length=100)
    active: bool | None = None
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class SkuIn(Schema):
    """A SKU in the CSV vocabulary; money as decimal strings ("5000.00")."""

    sku: str = Field(..., max_length=40)
    name: str = Field(..., max_length=200)
    category: str = Field(..., max_length=32)
    type: str = Field(..., max_length=32)
    maturity: str = Field("Viable", max_length=16)
    price: str = Field(..., max_length=20)
    currency: str = Field("USD", max_length=3)
    unit: str = Field("fixed", max_length=16)
    duration_days: str = Field("0", max_length=8)
    class_size: int | None = Field(None, ge=1, le=10_000)
    delivery: str = Field("remote", max_length=8)
    description: str = Field(..., max_length=20_000)
    active: bool = True
    seat_addons_per_extra_attendee: int = Field(1, ge=1, le=100)


class ImportIn(Schema):
    csv: str = Field(..., max_length=5_000_000, description="CSV text in the export format")
    dry_run: bool = False


class ImportRowOut(Schema):
    line: int
    code: str
    outcome: str
    reason: str


class ImportOut(Schema):
    summary: str
    created: int
    updated: int
    unchanged: int
    rejected: int
    rows: list[ImportRowOut]


class BillRateOut(Schema):
    role: str
    currency: str
    rate: Decimal


class CostRateOut(Schema):
    role: str
    quarter: str
    rate: Decimal
    billable_hours: int
    currency: str


class RatesOut(Schema):
    list_rate: Decimal
    list_rate_currency: str
    bill_rates: list[BillRateOut]
    cost_rates: list[CostRateOut] | None = None
    on: datetime.date


class RatesParams(Schema):
    on: IsoDate | None = None


@router.get("/catalog/skus", response={200: SkuPage, **errors(400, 401, 403, 422)})
def list_skus(request: AuthedRequest, params: Query[SkuParams]) -> Any:
    """Browse the catalog; filter by category, type, maturity, text and active flag."""
    permission_require(request.user, "catalog.view_sku")
    for value, choices, field in (
        (params.category, SkuCategory, "category"),
        (params.type, SkuType, "type"),
        (params.maturity, Maturity, "maturity"),
    ):
        if value and value not in choices.values:
            raise ValidationFailed(f"Unknown {field} '{value}'.", details={"field": field})
    qs = sku_list(
        category=params.category or "",
        type=params.type or "",
        maturity=params.maturity or "",
        q=params.q or "",
        active=params.active,
    )
    return {"count": qs.count(), "items": list(qs[params.offset : params.offset + params.limit])}


@router.get("/catalog/skus/{code}", response={200: SkuOut, **errors(401, 403, 404)})
def get_sku(request: AuthedRequest, code: str) -> Any:
    permission_require(request.user, "catalog.view_sku")
    return sku_get(code=code)


@router.put("/catalog/skus/{code}", response={200: SkuOut, **errors(400, 401, 403, 422)})
def put_sku(request: AuthedRequest, code: str, payload: SkuIn) -> Any:
    """Create or replace a SKU (same validation as the CSV import; audited)."""
    permission_require(request.user, "catalog.change_sku")
    permission_require(request.user, "catalog.add_sku")
    if payload.sku != code:
        raise ValidationFailed("The SKU code in the body differs from the path.", details={"field": "sku"})
    row = {k: ("" if v is None else str(v)) for k, v in payload.dict().items()}
    row["active"] = "true" if payload.active else "false"
    try:
        _, values = sku_values_parse(row=row)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None

    with transaction.atomic():
        sku, created = Sku.objects.update_or_create(code=code, defaults={**values, "updated_at": clock.now()})
        audit_record(
            verb="catalog.sku_created" if created else "catalog.sku_updated",
            actor=request.user,
            target=sku,
            after={k: v for k, v in values.items() if k != "description"},
        )
    return sku


@router.post("/catalog/import", response={200: ImportOut, **errors(400, 401, 403, 422)})
def import_catalog(request: AuthedRequest, payload: ImportIn) -> Any:
    """Import SKUs from CSV text; idempotent on the code; per-row report with line numbers."""
    permission_require(request.user, "catalog.import_sku")
    report = catalog_import_text(text=payload.csv, actor=request.user, dry_run=payload.dry_run)
    return {
        "summary": report.summary,
        "created": report.count("created"),
        "updated": report.count("updated"),
        "unchanged": report.count("unchanged"),
        "rejected": report.count("rejected"),
        "rows": [r.__dict__ for r in report.rows],
    }


@router.get("/catalog/rates", response={200: RatesOut, **errors(401, 403, 422)})
def get_rates(request: AuthedRequest, params: Query[RatesParams]) -> Any:
    """The rate card and list rate; standard cost rates only for roles allowed to see them."""
    permission_require(request.user, "catalog.view_billrate")
    on = params.on or clock.today()
    out: dict[str, Any] = {
        "list_rate": list_rate_get("USD"),
        "list_rate_currency": "USD",
        "bill_rates": list(BillRate.objects.all()),
        "on": on,
    }
    if request.user.has_perm("catalog.view_standardcostrate"):
        rows = []
        for role in RateRole.values:
            try:
                info = cost_rate_info_get(role=role, on=on)
            except ValidationFailed:
                continue
            rows.append(
                {
                    "role": role,
                    "quarter": f"{info.year}-Q{info.quarter}",
                    "rate": info.rate,
                    "billable_hours": info.billable_hours,
                    "currency": info.currency,
                }
            )
        out["cost_rates"] = rows
    return out
