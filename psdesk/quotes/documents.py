"""The order form as a customer Document (psdesk/branding: cover, running header, "Page X of Y",
numbered sections, fee table with subtotals, labelled signature blocks). One HTML is both the
on-screen preview and the source of the PDF (WeasyPrint), so what the AE previews is what the
customer signs; the vendor comes from the vendor profile."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.urls import reverse

from psdesk.branding.document import Document, Section, SignatureBlock, display_name, number_sections, tidy
from psdesk.branding.rendering import render_html
from psdesk.branding.renditions import rendition_ask
from psdesk.branding.selectors import vendor_get, vendor_profile_get
from psdesk.branding.services import Rendition, document_pdf
from psdesk.catalog.choices import DeliveryMode
from psdesk.core import clock
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
        "vendor": vendor_profile_get().legal_name,
    }


def _amount(currency: str, value: Decimal) -> str:
    return f"{currency} {value:.2f}"


def order_form_document(quote: Quote) -> Document:
    """The order form in the customer-document standard (pure apart from reading the quote)."""
    c = order_form_context(quote)
    cur = quote.currency
    totals = c["totals"]
    account = c["account"]
    vendor = vendor_get()
    where = ", ".join(t for t in (account.subdivision, account.country) if t)
    parties = Section(key="parties", heading="Parties")
    parties.paragraphs = [
        f"Customer: {account.name}" + (f", {where}" if where else ""),
        f"Vendor: {vendor.legal_name}" + (f", {', '.join(vendor.address_lines)}" if vendor.address_lines else ""),
        f"Opportunity: {c['opportunity'].name}" + (f" (PO {quote.po_number})" if quote.po_number else ""),
    ]
    services = Section(key="services", heading="Services")
    services.rows = [("Item", "Delivery", "Qty", "Unit price", "Discount", "Amount")]
    for r in c["rows"]:
        li = r["line"]
        label = f"{li.sku.code} {display_name(li.name, li.service_description)}"
        if li.attendees:
            label += f" ({li.attendees} attendees)"
        services.rows.append(
            (
                label,
                DeliveryMode(li.delivery).label if li.delivery in DeliveryMode.values else "",
                str(li.quantity),
                f"{li.unit_price:.2f}",
                f"{li.discount_pct.normalize():f} %" if li.discount_pct else "",
                f"{r['amounts'].after_line_discount:.2f}",
            )
        )
    services.rows.append(("Subtotal", "", "", "", "", _amount(cur, totals.subtotal)))
    marks = [len(services.rows) - 1]
    if totals.quote_discount:
        services.rows.append(
            (
                f"Quote discount ({quote.discount_pct.normalize():f} %)",
                "",
                "",
                "",
                "",
                f"\u2212{totals.quote_discount:.2f}",
            )
        )
    services.rows.append(("Total", "", "", "", "", _amount(cur, totals.total)))
    services.total_rows = [*marks, len(services.rows) - 1]
    sections = [parties, services]
    if c["onsite"]:
        sections.append(Section(key="travel", heading="Travel and expenses", paragraphs=[c["travel_note"]]))
    desc = Section(key="descriptions", heading="Service descriptions")
    desc.bullets = [tidy(f"{code} {d['name']}: {d['text']}") for code, d in c["descriptions"].items()]
    desc.after = [
        "Services are delivered under the customer's MSA where one is in force, otherwise under the "
        "vendor's standard Professional Services terms."
    ]
    sections.append(desc)
    sig = Section(key="signatures", heading="Signatures")
    sig.signatures = [
        SignatureBlock(
            party=f"{account.name} (Customer)",
            name=quote.signer_name,
            date=f"{quote.signed_on:%Y-%m-%d}" if quote.signed_on else "",
        ),
        SignatureBlock(party=f"{vendor.legal_name} (Vendor)", title=vendor.signatory_title),
    ]
    if not quote.po_number:
        sig.after = ["PO number, if your organisation requires one: quote it on the signed order form."]
    sections.append(sig)
    return Document(
        kind="Order Form",
        number=quote.number,
        version=str(max(quote.version, 1)),
        date=f"{(quote.signed_on or clock.today()):%Y-%m-%d}",
        title=f"Professional Services for {account.name}",
        customer=account.name,
        vendor=vendor,
        sections=number_sections(sections),
        cover_lines=[f"Total {_amount(cur, totals.total)}"],
    )


PREVIEW_BAR = (
    '<div role="navigation" style="font-family:system-ui,sans-serif;background:#292961;color:#fff;padding:8px 12px;">'
    '<a style="color:#fff;margin-right:12px;" href="{back}">\u2190 Back to quote</a>'
    '<a style="color:#fff;margin-right:12px;" href="{pdf}">Download PDF</a>'
    "<span>Preview \u2014 this is the document the customer receives.</span></div>"
)


def order_form_html(quote: Quote, *, preview: bool = False) -> str:
    html = render_html(order_form_document(quote))
    if preview:
        bar = PREVIEW_BAR.format(
            back=reverse("quotes:detail", args=[quote.pk]), pdf=reverse("quotes:pdf", args=[quote.pk])
        )
        html = html.replace("<body>", f'<body><div id="order-form">{bar}', 1).replace("</body>", "</div></body>", 1)
    return html


def order_form_pdf(quote: Quote) -> bytes:
    """The order form PDF, rendered now unless this content is stored (CLI and worker; a web request
    uses `order_form_rendition`)."""
    return document_pdf(order_form_document(quote))


def order_form_rendition(quote: Quote) -> Rendition:
    """The stored order form PDF of the quote as it is now (cached by the hash of its content), or
    state rendering with the worker asked to render it."""
    return rendition_ask(document=order_form_document(quote))


def order_form_status_url(rendition: Rendition) -> str:
    return reverse("branding:rendition_status", args=[rendition.content_hash, rendition.fmt])
