"""The order form: one HTML template (`quotes/order_form.html`) is both the on-screen preview and
the source of the PDF (WeasyPrint), so what the AE previews is what the customer signs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from psdesk.catalog.choices import DeliveryMode
from psdesk.quotes.models import Quote

TRAVEL_NOTE = (
    "Onsite delivery: travel and expenses are not included in the prices above; they are billed "
    "separately, in arrears on actuals, under the Professional Services terms and the sponsored "
    "travel policy."
)


def order_form_context(quote: Quote) -> dict[str, Any]:
    lines = list(quote.lines.all())
    totals = quote.totals()
    rows = [{"line": li, "amounts": a} for li, a in zip(lines, totals.lines, strict=True)]
    descriptions: dict[str, Any] = {}
    for li in lines:
        descriptions.setdefault(li.sku.code, {"name": li.sku.name, "text": li.service_description})
    return {
        "quote": quote,
        "opportunity": quote.opportunity,
        "account": quote.opportunity.account,
        "rows": rows,
        "totals": totals,
        "descriptions": descriptions,
        "onsite": any(li.delivery == DeliveryMode.ONSITE for li in lines),
        "travel_note": TRAVEL_NOTE,
        "vendor": getattr(settings, "PSDESK_VENDOR_NAME", "PS Desk Vendor, Inc."),
    }


def order_form_html(quote: Quote, *, preview: bool = False) -> str:
    return render_to_string("quotes/order_form.html", {**order_form_context(quote), "preview": preview})


def order_form_pdf(quote: Quote) -> bytes:
    """Render the order form PDF (WeasyPrint). Pure function of the quote's current content."""
    from weasyprint import HTML  # noqa: PLC0415 — WeasyPrint adds ~1 s to start-up; only PDF rendering needs it

    pdf: bytes = HTML(string=order_form_html(quote), base_url=str(settings.BASE_DIR)).write_pdf()
    return pdf
