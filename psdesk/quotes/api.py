"""REST endpoints for quotes, their lines, moves and the order form PDF."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictInt, StrictStr

from psdesk.branding.responses import rendition_api_data
from psdesk.core.api import MAX_LIMIT, errors
from psdesk.core.errors import ValidationFailed
from psdesk.core.inputs import IsoDate
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor, AuthedRequest
from psdesk.quotes.choices import QuoteStatus
from psdesk.quotes.documents import order_form_rendition, order_form_status_url
from psdesk.quotes.selectors import quote_get, quote_list, quote_moves
from psdesk.quotes.services import (
    quote_create,
    quote_discount_set,
    quote_line_add,
    quote_line_remove,
    quote_line_update,
    quote_make_primary,
    quote_transition,
)

router = Router(tags=["quotes"])
Money = StrictStr | StrictInt  # decimal strings ("12.50") or whole numbers; floats are refused


class QuoteLineOut(Schema):
    id: int
    position: int
    sku_code: str
    name: str
    delivery: str
    quantity: int
    catalog_price: Decimal
    unit_price: Decimal
    price_override_reason: str
    discount_pct: Decimal
    attendees: int | None
    addon_for_id: int | None
    amount: Decimal = Field(..., description="after the line discount, before the quote discount")
    net: Decimal = Field(..., description="after both discounts (sums to the total)")


class QuoteOut(Schema):
    id: int
    number: str
    opportunity_id: int
    currency: str
    state: str
    is_primary: bool
    discount_pct: Decimal
    signer_name: str
    signed_on: datetime.date | None
    po_number: str
    version: int
    subtotal: Decimal
    line_discounts: Decimal
    quote_discount: Decimal
    total: Decimal


class QuoteDetail(QuoteOut):
    lines: list[QuoteLineOut]
    moves: list[dict[str, Any]]


class QuotePage(Schema):
    count: int
    items: list[QuoteOut]


class QuoteParams(Schema):
    opportunity_id: int | None = None
    state: str | None = Field(None, max_length=16)
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=10_000_000)


class QuoteIn(Schema):
    opportunity_id: int
    currency: str | None = Field(None, max_length=3)


class QuotePatch(Schema):
    discount_pct: Money = Field(..., description="quote-level discount %, 0-100, at most 2 decimals")
    expected_version: StrictInt | None = None


class QuoteLineIn(Schema):
    sku_code: str = Field(..., max_length=40)
    quantity: int = Field(1, ge=-1_000_000, le=1_000_000)
    unit_price: Money | None = Field(None, description="omit for the catalog price; a different price needs a reason")
    price_override_reason: str = Field("", max_length=2000)
    discount_pct: Money = "0"
    attendees: int | None = Field(None, ge=0, le=100_000)
    expected_version: StrictInt | None = None


class LinePatch(Schema):
    quantity: int | None = Field(None, ge=-1_000_000, le=1_000_000)
    unit_price: Money | None = None
    price_override_reason: str = Field("", max_length=2000)
    discount_pct: Money | None = None
    attendees: int | None = Field(None, ge=0, le=100_000)
    expected_version: StrictInt | None = None


class QuoteTransitionIn(Schema):
    action: str = Field(..., max_length=32, description="send | revise | mark_signed | cancel")
    reason: str = Field("", max_length=5000)
    signer_name: str = Field("", max_length=200)
    signed_on: IsoDate | None = None
    po_number: str = Field("", max_length=64)
    expected_version: StrictInt | None = None


def _out(quote: Any, *, detail: bool = False, user: Actor | None = None) -> dict[str, Any]:
    totals = quote.totals()
    data: dict[str, Any] = {
        **{
            k: getattr(quote, k)
            for k in (
                "id",
                "number",
                "opportunity_id",
                "currency",
                "state",
                "is_primary",
                "discount_pct",
                "signer_name",
                "signed_on",
                "po_number",
                "version",
            )
        },
        "subtotal": totals.subtotal,
        "line_discounts": totals.line_discounts,
        "quote_discount": totals.quote_discount,
        "total": totals.total,
    }
    if detail:
        lines = list(quote.lines.all())
        data["lines"] = [
            {
                **{
                    k: getattr(li, k)
                    for k in (
                        "id",
                        "position",
                        "name",
                        "delivery",
                        "quantity",
                        "catalog_price",
                        "unit_price",
                        "price_override_reason",
                        "discount_pct",
                        "attendees",
                        "addon_for_id",
                    )
                },
                "sku_code": li.sku.code,
                "amount": a.after_line_discount,
                "net": a.net,
            }
            for li, a in zip(lines, totals.lines, strict=True)
        ]
        data["moves"] = quote_moves(quote, user)
    return data


def _detail(request: AuthedRequest, quote_id: int) -> dict[str, Any]:
    return _out(quote_get(user=request.user, quote_id=quote_id), detail=True, user=request.user)


@router.get("/quotes", response={200: QuotePage, **errors(400, 401, 403, 422)})
def list_quotes(request: AuthedRequest, params: Query[QuoteParams]) -> Any:
    permission_require(request.user, "quotes.view_quote")
    if params.state and params.state not in QuoteStatus.values:
        raise ValidationFailed(f"Unknown state '{params.state}'.", details={"field": "state"})
    qs = quote_list(user=request.user, opportunity_id=params.opportunity_id, state=params.state or "")
    items = qs.prefetch_related("lines")[params.offset : params.offset + params.limit]
    return {"count": qs.count(), "items": [_out(q) for q in items]}


@router.post("/quotes", response={201: QuoteDetail, **errors(400, 401, 403, 404, 422)})
def create_quote(request: AuthedRequest, payload: QuoteIn) -> Any:
    """Start a draft quote (the first live quote of an opportunity becomes primary)."""
    q = quote_create(opportunity_id=payload.opportunity_id, actor=request.user, currency=payload.currency)
    return Status(201, _detail(request, q.pk))


@router.get("/quotes/{quote_id}", response={200: QuoteDetail, **errors(401, 403, 404)})
def get_quote(request: AuthedRequest, quote_id: int) -> Any:
    permission_require(request.user, "quotes.view_quote")
    return _detail(request, quote_id)


@router.patch("/quotes/{quote_id}", response={200: QuoteDetail, **errors(400, 401, 403, 404, 409, 422)})
def patch_quote(request: AuthedRequest, quote_id: int, payload: QuotePatch) -> Any:
    """Set the quote-level discount (draft only; 409 once sent or signed)."""
    quote_discount_set(
        quote_id=quote_id,
        actor=request.user,
        discount_pct=payload.discount_pct,
        expected_version=payload.expected_version,
    )
    return _detail(request, quote_id)


@router.post("/quotes/{quote_id}/lines", response={201: QuoteDetail, **errors(400, 401, 403, 404, 409, 422)})
def add_line(request: AuthedRequest, quote_id: int, payload: QuoteLineIn) -> Any:
    """Add a SKU line. 422: unknown/inactive SKU, currency mismatch, bad quantity/price/discount,
    override without reason. 409: quote not a draft or stale version."""
    quote_line_add(
        quote_id=quote_id,
        actor=request.user,
        sku_code=payload.sku_code,
        quantity=payload.quantity,
        unit_price=payload.unit_price,
        price_override_reason=payload.price_override_reason,
        discount_pct=payload.discount_pct,
        attendees=payload.attendees,
        expected_version=payload.expected_version,
    )
    return Status(201, _detail(request, quote_id))


@router.patch("/quotes/{quote_id}/lines/{line_id}", response={200: QuoteDetail, **errors(400, 401, 403, 404, 409, 422)})
def patch_line(request: AuthedRequest, quote_id: int, line_id: int, payload: LinePatch) -> Any:
    raw = payload.dict(exclude_unset=True)
    expected = raw.pop("expected_version", None)
    quote_line_update(quote_id=quote_id, line_id=line_id, actor=request.user, expected_version=expected, **raw)
    return _detail(request, quote_id)


@router.delete("/quotes/{quote_id}/lines/{line_id}", response={200: QuoteDetail, **errors(401, 403, 404, 409, 422)})
def delete_line(request: AuthedRequest, quote_id: int, line_id: int) -> Any:
    quote_line_remove(quote_id=quote_id, line_id=line_id, actor=request.user)
    return _detail(request, quote_id)


@router.post("/quotes/{quote_id}/primary", response={200: QuoteDetail, **errors(401, 403, 404, 409, 422)})
def make_primary(request: AuthedRequest, quote_id: int) -> Any:
    quote_make_primary(quote_id=quote_id, actor=request.user)
    return _detail(request, quote_id)


@router.post("/quotes/{quote_id}/transitions", response={200: QuoteDetail, **errors(400, 401, 403, 404, 409, 422)})
def transition_quote(request: AuthedRequest, quote_id: int, payload: QuoteTransitionIn) -> Any:
    """send (needs lines) · revise (sent → draft) · mark_signed (signer_name, signed_on, optional
    po_number) · cancel (reason). 409 with the reason when refused."""
    permission_require(request.user, "quotes.view_quote")
    quote_transition(
        quote_id=quote_id,
        action=payload.action,
        actor=request.user,
        reason=payload.reason,
        expected_version=payload.expected_version,
        signer_name=payload.signer_name,
        signed_on=payload.signed_on,
        po_number=payload.po_number,
    )
    return _detail(request, quote_id)


@router.get(
    "/quotes/{quote_id}/order-form.pdf",
    response={200: None, **errors(401, 403, 404, 409)},
    openapi_extra={"responses": {200: {"description": "The order form", "content": {"application/pdf": {}}}}},
)
def order_form(request: AuthedRequest, quote_id: int) -> HttpResponse:
    """The order form PDF (same template as the on-screen preview), stored by the hash of its
    content. While the worker renders this content: 409 `document_rendering` with `details.state`
    and `details.status_url` (JSON); ask again when the state is ready."""
    permission_require(request.user, "quotes.view_quote")
    quote = quote_get(user=request.user, quote_id=quote_id)
    r = order_form_rendition(quote)
    data = rendition_api_data(r, what="order form", status_url=order_form_status_url(r))
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="order-form-{quote.number}.pdf"'
    return resp
