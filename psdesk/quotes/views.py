"""Quote pages: the intake decision, the quote editor, the order form preview and PDF.
Thin: every write goes through the services; refusals are shown as messages."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from psdesk.branding.responses import rendition_response
from psdesk.catalog.models import Sku
from psdesk.core.errors import DomainError, NotFound
from psdesk.core.types import AuthedRequest
from psdesk.crm.selectors import opportunity_get
from psdesk.quotes.documents import order_form_html, order_form_rendition, order_form_status_url
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


def _not_found(request: AuthedRequest) -> HttpResponse:
    return render(request, "core/error.html", {"message": "Not found."}, status=404)


def _calculator_url(opportunity_id: int | None) -> str:
    try:
        url = reverse("scoping:index")
    except NoReverseMatch:
        url = "/scoping/"
    return f"{url}?opportunity={opportunity_id}" if opportunity_id else url


@permission_required("quotes.view_quote", raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    quotes = quote_list(user=request.user).select_related("opportunity__account")[:300]
    return render(request, "quotes/index.html", {"quotes": quotes})


@permission_required("quotes.add_quote", raise_exception=True)
def intake(request: AuthedRequest) -> HttpResponse:
    """ "Do standard SKUs meet the need?" yes: start a quote; no: the Services Calculator (custom path)."""
    raw = request.POST.get("opportunity") or request.GET.get("opportunity", "")
    opp = None
    if raw.isdigit():
        try:
            opp = opportunity_get(user=request.user, opportunity_id=int(raw))
        except NotFound:
            return _not_found(request)
    if request.method == "POST":
        if opp is None:
            messages.error(request, "Choose the opportunity first.")
        elif request.POST.get("standard") == "yes":
            try:
                quote = quote_create(opportunity_id=opp.pk, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return redirect("quotes:detail", quote_id=quote.pk)
        else:
            return redirect(_calculator_url(opp.pk))
    skus = Sku.objects.active().order_by("category", "code")
    return render(
        request,
        "quotes/intake.html",
        {"opp": opp, "skus": skus, "calculator_url": _calculator_url(opp.pk if opp else None)},
    )


@permission_required("quotes.view_quote", raise_exception=True)
def detail(request: AuthedRequest, quote_id: int) -> HttpResponse:
    try:
        quote = quote_get(user=request.user, quote_id=quote_id)
    except NotFound:
        return _not_found(request)
    lines = list(quote.lines.all())
    totals = quote.totals()
    ctx: dict[str, Any] = {
        "quote": quote,
        "rows": [{"line": li, "amounts": a} for li, a in zip(lines, totals.lines, strict=True)],
        "totals": totals,
        "moves": quote_moves(quote, request.user),
        "skus": Sku.objects.active().filter(currency=quote.currency).order_by("category", "code"),
        "can_edit": quote.editable and request.user.has_perm("quotes.change_quote"),
    }
    return render(request, "quotes/detail.html", ctx)


@permission_required("quotes.view_quote", raise_exception=True)
def preview(request: AuthedRequest, quote_id: int) -> HttpResponse:
    """The order form exactly as the PDF renders it (same template)."""
    try:
        quote = quote_get(user=request.user, quote_id=quote_id)
    except NotFound:
        return _not_found(request)
    return HttpResponse(order_form_html(quote, preview=True))


@permission_required("quotes.view_quote", raise_exception=True)
def pdf(request: AuthedRequest, quote_id: int) -> HttpResponse:
    try:
        quote = quote_get(user=request.user, quote_id=quote_id)
    except NotFound:
        return _not_found(request)
    r = order_form_rendition(quote)
    return rendition_response(
        request,
        r,
        title=f"Order form {quote.number}",
        filename=f"order-form-{quote.number}.pdf",
        content_type="application/pdf",
        download_url=request.path,
        status_url=order_form_status_url(r),
        back_url=reverse("quotes:detail", args=[quote.pk]),
        as_attachment=False,
    )


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.lstrip("-").isdigit() else None


@require_POST
@permission_required("quotes.view_quote", raise_exception=True)
def edit(request: AuthedRequest, quote_id: int) -> HttpResponse:
    """One POST endpoint for the editor's forms (`op` = add_line, update_line, remove_line,
    discount, primary, move)."""
    p = request.POST
    op = p.get("op", "")
    version = _int(p.get("version"))
    try:
        if op == "add_line":
            quote_line_add(
                quote_id=quote_id,
                actor=request.user,
                sku_code=p.get("sku_code", "")[:40],
                quantity=p.get("quantity", "1")[:12],
                unit_price=p.get("unit_price", "")[:20] or None,
                price_override_reason=p.get("price_override_reason", "")[:2000],
                discount_pct=p.get("discount_pct", "")[:12] or "0",
                attendees=_int(p.get("attendees")),
                expected_version=version,
            )
        elif op == "update_line":
            quote_line_update(
                quote_id=quote_id,
                line_id=_int(p.get("line")) or 0,
                actor=request.user,
                quantity=p.get("quantity", "1")[:12],
                discount_pct=p.get("discount_pct", "")[:12] or "0",
                attendees=_int(p.get("attendees")),
                expected_version=version,
            )
        elif op == "remove_line":
            quote_line_remove(
                quote_id=quote_id, line_id=_int(p.get("line")) or 0, actor=request.user, expected_version=version
            )
        elif op == "discount":
            quote_discount_set(
                quote_id=quote_id,
                actor=request.user,
                discount_pct=p.get("discount_pct", "")[:12] or "0",
                expected_version=version,
            )
        elif op == "primary":
            quote_make_primary(quote_id=quote_id, actor=request.user)
        elif op == "move":
            signed_on = None
            if p.get("signed_on"):
                try:
                    signed_on = datetime.date.fromisoformat(p["signed_on"])
                except ValueError:
                    signed_on = None
            quote_transition(
                quote_id=quote_id,
                action=p.get("action", "")[:32],
                actor=request.user,
                reason=p.get("reason", "")[:5000],
                expected_version=version,
                signer_name=p.get("signer_name", "")[:200],
                signed_on=signed_on,
                po_number=p.get("po_number", "")[:64],
            )
        else:
            messages.error(request, f"Unknown operation '{op[:40]}'.")
    except NotFound:
        return _not_found(request)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("quotes:detail", quote_id=quote_id)
