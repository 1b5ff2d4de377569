"""Estimate documents: the estimate workbook (XLSX, live formulas) and the customer PDF.

The workbook has the shape of the engagement estimate sheet: one row per activity (role, delivery,
hours, rate, line total), a grand total, an Assumptions sheet, and — only in the internal variant —
a Cost & margin sheet. Line totals are `=ROUND(hours*rate,2)` and totals are `=SUM(...)`, the same
rounding as pricing.py, so the formulas evaluate to the stored totals.
"""

from __future__ import annotations

import io
from decimal import Decimal

from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from psdesk.branding.document import Document, Section, display_name, items_of, number_sections
from psdesk.branding.renditions import rendition_ask
from psdesk.branding.selectors import vendor_get
from psdesk.branding.services import Rendition, document_pdf
from psdesk.core import clock
from psdesk.estimates.models import EstimateLine, EstimateVersion

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


def estimate_pdf_rendition(version: EstimateVersion, lines: list[EstimateLine]) -> Rendition:
    """The stored customer PDF of the version as it is now (by content hash), or state rendering
    with the worker asked to render it."""
    return rendition_ask(document=estimate_document(version, lines))


def rendition_status_url(rendition: Rendition) -> str:
    return reverse("branding:rendition_status", args=[rendition.content_hash, rendition.fmt])
