"""Estimate documents: the estimate workbook (XLSX, live formulas) and the customer PDF.

The workbook has the shape of the engagement estimate sheet: one row per activity (role, delivery,
hours, rate, line total), a grand total, an Assumptions sheet, and — only in the internal variant —
a Cost & margin sheet. Line totals are `=ROUND(hours*rate,2)` and totals are `=SUM(...)`, the same
rounding as pricing.py, so the formulas evaluate to the stored totals.
"""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from psdesk.branding import services as branding
from psdesk.branding.document import Document, Section, content_hash, display_name, items_of, number_sections
from psdesk.branding.models import DocumentFormat, RenderState
from psdesk.branding.selectors import vendor_get, vendor_profile_get
from psdesk.branding.services import Rendition, document_pdf
from psdesk.core import clock
from psdesk.estimates.models import EstimateDocumentKey, EstimateLine, EstimateVersion
from psdesk.estimates.selectors import version_lines

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_ROW = 5
FIRST_ROW = HEADER_ROW + 1
MONEY = "#,##0.00"
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE4F0")


def _filename(version: EstimateVersion, ext: str, internal: bool = False) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in version.engagement.account.name)[:60]
    return f"{safe}-estimate-v{version.number}{'-internal' if internal else ''}.{ext}"


def xlsx_filename(version: EstimateVersion, *, internal: bool) -> str:
    return _filename(version, "xlsx", internal)


def pdf_filename(version: EstimateVersion) -> str:
    return _filename(version, "pdf")


def estimate_xlsx(version: EstimateVersion, lines: list[EstimateLine], *, internal: bool) -> bytes:
    """The workbook as bytes. `internal` adds the Cost & margin sheet (never sent to the customer)."""
    wb = Workbook()
    ws = wb.active
    if ws is None:  # a new Workbook always has an active sheet
        raise RuntimeError("openpyxl returned a workbook without a sheet")
    ws.title = "Estimate"
    eng = version.engagement
    ws["A1"] = f"{eng.account.name} — Engagement Estimate"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = f"Version {version.number} · {version.get_pricing_model_display()} · {version.currency}"
    ws["A3"] = f"Prepared by {vendor_get().legal_name} for {eng.account.name}"
    headers = ["#", "Activity", "Description", "Role", "Delivery", "Hours", "Rate", "Line total", "Provenance"]
    for col, h in enumerate(headers, start=1):
        c = ws.cell(row=HEADER_ROW, column=col, value=h)
        c.font = BOLD
        c.fill = HEAD_FILL
    row = FIRST_ROW
    for i, ln in enumerate(lines, start=1):
        ws.cell(row=row, column=1, value=i)
        ws.cell(row=row, column=2, value=display_name(ln.activity, ln.description))
        ws.cell(row=row, column=3, value=ln.description).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=row, column=4, value=ln.role)
        ws.cell(row=row, column=5, value=ln.get_delivery_display())
        ws.cell(row=row, column=6, value=ln.hours).number_format = "0.00"
        ws.cell(row=row, column=7, value=ln.rate).number_format = MONEY
        ws.cell(row=row, column=8, value=f"=ROUND(F{row}*G{row},2)").number_format = MONEY
        ws.cell(row=row, column=9, value=", ".join(ln.provenance))
        row += 1
    last = row - 1
    total_row = row + 1
    ws.cell(row=total_row, column=2, value="Total").font = BOLD
    ws.cell(row=total_row, column=6, value=f"=SUM(F{FIRST_ROW}:F{max(last, FIRST_ROW)})").font = BOLD
    grand = ws.cell(row=total_row, column=8, value=f"=SUM(H{FIRST_ROW}:H{max(last, FIRST_ROW)})")
    grand.font = BOLD
    grand.number_format = MONEY
    for col, width in zip(range(1, 10), (5, 32, 48, 10, 10, 10, 12, 14, 28), strict=True):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=1)

    notes = wb.create_sheet("Assumptions")
    notes["A1"] = "Assumptions"
    notes["A1"].font = BOLD
    r = 2
    for text in [t for t in version.assumptions.splitlines() if t.strip()] or ["(none)"]:
        notes.cell(row=r, column=1, value=text.strip())
        r += 1
    r += 1
    notes.cell(row=r, column=1, value="Out of scope").font = BOLD
    r += 1
    for text in [t for t in version.out_of_scope.splitlines() if t.strip()] or ["(none)"]:
        notes.cell(row=r, column=1, value=text.strip())
        r += 1
    notes.column_dimensions["A"].width = 100

    if internal:
        cs = wb.create_sheet("Cost & margin")
        for col, h in enumerate(["#", "Activity", "Role", "Hours", "Cost rate", "Line cost"], start=1):
            c = cs.cell(row=1, column=col, value=h)
            c.font = BOLD
            c.fill = HEAD_FILL
        cr = 2
        for i, ln in enumerate(lines, start=1):
            est_row = FIRST_ROW + i - 1
            cs.cell(row=cr, column=1, value=i)
            cs.cell(row=cr, column=2, value=display_name(ln.activity, ln.description))
            cs.cell(row=cr, column=3, value=ln.role)
            cs.cell(row=cr, column=4, value=f"=Estimate!F{est_row}")
            cs.cell(row=cr, column=5, value=ln.cost_rate).number_format = MONEY
            cs.cell(row=cr, column=6, value=f"=ROUND(D{cr}*E{cr},2)").number_format = MONEY
            cr += 1
        end = max(cr - 1, 2)
        cs.cell(row=cr + 1, column=2, value="Total cost").font = BOLD
        cs.cell(row=cr + 1, column=6, value=f"=SUM(F2:F{end})").number_format = MONEY
        cs.cell(row=cr + 2, column=2, value="Price").font = BOLD
        cs.cell(row=cr + 2, column=6, value=f"=Estimate!H{total_row}").number_format = MONEY
        cs.cell(row=cr + 3, column=2, value="Margin").font = BOLD
        margin = cs.cell(row=cr + 3, column=6, value=f"=IF(F{cr + 2}=0,0,ROUND((F{cr + 2}-F{cr + 1})/F{cr + 2},4))")
        margin.number_format = "0.00%"
        for col, width in zip(range(1, 7), (5, 32, 10, 10, 12, 14), strict=True):
            cs.column_dimensions[get_column_letter(col)].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def estimate_document(version: EstimateVersion, lines: list[EstimateLine]) -> Document:
    """The customer estimate in the customer-document standard: activities by display name (never an
    internal key), hours and price with a total, assumptions and out of scope as lists — never cost
    or margin."""
    eng = version.engagement
    cur = version.currency
    vendor = vendor_get()
    summary = Section(key="summary", heading="Summary")
    summary.paragraphs = [
        f"{vendor.legal_name} estimates the professional services below for {eng.account.name}: "
        f"{hours_text(version.hours)} hours, {cur} {version.price:,.2f} ({version.get_pricing_model_display()}).",
        "This estimate is not a contract; the Statement of Work that follows it governs the services.",
    ]
    acts = Section(key="activities", heading="Activities")
    acts.rows = [("Activity", "Role", "Delivery", "Hours", "Price")]
    for ln in lines:
        acts.rows.append(
            (
                display_name(ln.activity, ln.description),
                ln.role,
                ln.get_delivery_display(),
                hours_text(ln.hours),
                f"{cur} {ln.price:,.2f}",
            )
        )
    acts.rows.append(("Total", "", "", hours_text(version.hours), f"{cur} {version.price:,.2f}"))
    acts.total_rows = [len(acts.rows) - 1]
    assumptions = Section(key="assumptions", heading="Assumptions")
    assumptions.bullets = items_of(version.assumptions) or ["No assumptions beyond the activities listed."]
    oos = Section(key="out_of_scope", heading="Out of scope")
    oos.bullets = items_of(version.out_of_scope) or ["Anything not listed under Activities."]
    return Document(
        kind="Estimate",
        number=f"EST-{eng.pk}",
        version=str(version.number),
        date=f"{version.priced_on:%Y-%m-%d}" if version.priced_on else f"{clock.today():%Y-%m-%d}",
        title=f"Professional Services estimate for {eng.account.name}",
        customer=eng.account.name,
        vendor=vendor,
        sections=number_sections([summary, acts, assumptions, oos]),
    )


def hours_text(h: Decimal) -> str:
    d = Decimal(h)
    return f"{d.normalize():f}" if d == d.to_integral() else f"{d:.2f}"


def estimate_pdf(version: EstimateVersion, lines: list[EstimateLine], *, base_url: str = "") -> bytes:
    """The customer PDF: `estimate_document` in the document standard, cached by its content hash,
    rendered now when not stored (CLI and the worker; a web request uses `estimate_pdf_rendition`)."""
    return document_pdf(estimate_document(version, lines))


# Bump when estimate_document or estimate_xlsx change what they print: every fingerprint changes.
LAYOUT = "estimate-documents-3"  # 3: tables with separate borders
PDF, XLSX, XLSX_INTERNAL = "pdf", "xlsx", "xlsx-internal"


def _text_hash(text: str) -> str:
    return hashlib.sha256((text or "").encode()).hexdigest()


def document_fingerprint(version: EstimateVersion, *, variant: str) -> str:
    """A SHA-256 of everything the version's `variant` document (pdf, xlsx, xlsx-internal) depends
    on, from cheap reads (the version row already loaded, one aggregate over its lines, the vendor
    profile row): the version's fields and revision stamp, its lines, the customer account's name,
    the vendor profile (every printed field, the logo, its revision stamp) and the LAYOUT. Any
    change of an input gives a new fingerprint, so a download never serves a stale file."""
    eng = version.engagement
    p = vendor_profile_get()
    agg = EstimateLine.objects.filter(version_id=version.pk).aggregate(
        n=Count("id"), last=Max("id"), hours=Sum("hours"), price=Sum("price"), cost=Sum("cost")
    )
    parts = [
        LAYOUT,
        variant,
        version.pk,
        version.revision,
        version.updated_at.isoformat(),
        version.number,
        version.pricing_model,
        version.currency,
        version.priced_on,
        version.hours,
        version.price,
        version.cost,
        version.margin,
        _text_hash(version.assumptions),
        _text_hash(version.out_of_scope),
        *(agg[k] for k in ("n", "last", "hours", "price", "cost")),
        eng.pk,
        eng.account.name,
        p.pk,
        p.updated_at.isoformat(),
        p.logo.name or "",
        *(getattr(p, f) for f in branding.FIELDS),
    ]
    return hashlib.sha256("\x1f".join(str(x) for x in parts).encode()).hexdigest()


def document_key_record(*, version: EstimateVersion, variant: str, fingerprint: str, content_hash: str) -> None:
    """Remember that `fingerprint` names the stored rendering `content_hash` (kept once)."""
    try:
        with transaction.atomic():
            EstimateDocumentKey.objects.get_or_create(
                fingerprint=fingerprint,
                defaults={"version": version, "variant": variant, "content_hash": content_hash},
            )
    except IntegrityError:  # a concurrent request recorded the same fingerprint
        pass


def document_key_get(fingerprint: str) -> str:
    return (
        EstimateDocumentKey.objects.filter(fingerprint=fingerprint).values_list("content_hash", flat=True).first() or ""
    )


def estimate_pdf_known(version: EstimateVersion) -> tuple[str, Rendition | None]:
    """(fingerprint, the stored rendering it names) — None when this content was never rendered,
    or its render failed. Never builds the Document."""
    fingerprint = document_fingerprint(version, variant=PDF)
    known = document_key_get(fingerprint)
    if known:
        r = branding.rendition_get(content_hash=known, fmt=DocumentFormat.PDF)
        if r is not None and r.state != RenderState.FAILED:
            return fingerprint, r
    return fingerprint, None


def estimate_pdf_store(version: EstimateVersion, *, asked: str = "") -> str:
    """The worker's half for the PDF: render the version's customer PDF as it is now, store it by
    content hash and remember its fingerprint; returns the content hash. `asked` is the fingerprint
    a download waits on: completed as this file, or failed ("download again") when the version
    changed after it was asked."""
    fingerprint = document_fingerprint(version, variant=PDF)
    document = estimate_document(version, version_lines(version))
    try:
        branding.document_store_now(document=document)
    except Exception as exc:  # recorded on the row the page polls, never lost in the worker log
        if asked:
            branding.rendition_fail(content_hash=asked, fmt=DocumentFormat.PDF, error=f"{type(exc).__name__}: {exc}")
        raise
    digest = content_hash(document)
    document_key_record(version=version, variant=PDF, fingerprint=fingerprint, content_hash=digest)
    if asked == fingerprint:
        branding.rendition_alias(content_hash=asked, fmt=DocumentFormat.PDF, of=digest)
    elif asked:
        branding.rendition_fail(
            content_hash=asked,
            fmt=DocumentFormat.PDF,
            error="the estimate changed while its PDF was being prepared; download it again",
        )
    return digest


def xlsx_kind(internal: bool) -> str:
    return "Estimate workbook (internal)" if internal else "Estimate workbook"


def estimate_xlsx_store(version: EstimateVersion, *, internal: bool, asked: str = "") -> str:
    """The worker's half for the workbook: render it as the version is now and store it under its
    fingerprint (the workbook's key: a SHA-256 of all it depends on). When the version changed after
    `asked` (the key a request waits on) was computed, that row is marked failed ("download again")
    and the workbook is stored under the current key. Returns the key stored."""
    fingerprint = document_fingerprint(version, variant=XLSX_INTERNAL if internal else XLSX)
    number = f"EST-{version.engagement_id}-v{version.number}"
    try:
        data = estimate_xlsx(version, version_lines(version), internal=internal)
    except Exception as exc:  # recorded on the row the page polls, never lost in the worker log
        branding.rendition_fail(
            content_hash=asked or fingerprint, fmt=DocumentFormat.XLSX, error=f"{type(exc).__name__}: {exc}"
        )
        return ""
    branding.rendered_document_store(
        content_hash=fingerprint, kind=xlsx_kind(internal), number=number, data=data, fmt=DocumentFormat.XLSX
    )
    if asked and asked != fingerprint:
        branding.rendition_fail(
            content_hash=asked,
            fmt=DocumentFormat.XLSX,
            error="the estimate changed while its workbook was being prepared; download it again",
        )
    return fingerprint


def rendition_status_url(rendition: Rendition) -> str:
    return reverse("branding:rendition_status", args=[rendition.content_hash, rendition.fmt])
