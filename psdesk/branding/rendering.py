"""Renderings of a customer `Document` (psdesk/branding/document.py): HTML (on-screen preview and
the PDF source), PDF through WeasyPrint (cover, running header with number/version/date, footer
with the vendor's footer text and "Page X of Y"), and DOCX through python-docx with real Word styles
(Title, Heading 1 to 2, List Bullet, a table style, header/footer with PAGE/NUMPAGES fields), so a
customer's mark-up keeps structure. Text extraction for checks: `pdf_text` (pdftotext), `docx_text`.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
from typing import Any

from django.template.loader import render_to_string

from psdesk.branding.document import BULLET, Document, Section

TABLE_STYLE = "Light Grid Accent 1"


def _ctx(d: Document) -> dict[str, Any]:
    footer = " \u00b7 ".join(t for t in (d.vendor.footer_text or d.vendor.legal_name, f"{d.number} v{d.version}") if t)
    return {
        "d": d,
        "sections": [s.as_dict() for s in d.sections],
        "header_css": _css_string(d.running_header),
        "footer_css": _css_string(footer),
    }


def _css_string(text: str) -> str:
    """Text for a CSS string literal in a <style> block: backslash, quote and '<' escaped as CSS escapes."""
    return "".join(f"\\{ord(c):x} " if c in '\\"<>\n' else c for c in text)


def render_html(d: Document, *, standalone: bool = True) -> str:
    """The document as HTML: the full page (PDF source) or, `standalone=False`, the fragment for a preview."""
    return render_to_string("branding/document.html" if standalone else "branding/_document.html", _ctx(d))


def render_pdf(d: Document | str) -> bytes:
    """The PDF (WeasyPrint) of a Document, or of HTML made by `render_html`."""
    from weasyprint import HTML  # noqa: PLC0415 — WeasyPrint adds ~1 s to start-up; only PDF rendering needs it

    html = d if isinstance(d, str) else render_html(d)
    return bytes(HTML(string=html).write_pdf())


def _field(paragraph: Any, code: str) -> None:
    """Append a Word field (PAGE, NUMPAGES) to a paragraph."""
    from docx.oxml import OxmlElement  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only DOCX needs it
    from docx.oxml.ns import qn  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only DOCX needs it

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == code:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {code} "
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)


def render_docx(d: Document) -> bytes:
    """The DOCX: cover (logo, kind, title, customer, number · version · date, vendor), a section
    break, then the numbered sections in Word styles; header and footer on every page but the cover."""
    from docx import Document as Docx  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only DOCX needs it
    from docx.enum.section import WD_SECTION  # noqa: PLC0415 — python-docx adds ~75 ms to start-up
    from docx.shared import Mm, Pt, RGBColor  # noqa: PLC0415 — python-docx adds ~75 ms to start-up

    doc = Docx()
    normal = doc.styles["Normal"]
    normal.font.name = "DejaVu Sans"
    normal.font.size = Pt(9.5)
    colour = RGBColor.from_string(d.vendor.brand_colour.lstrip("#").upper())
    for name in ("Title", "Heading 1", "Heading 2"):
        doc.styles[name].font.color.rgb = colour
    first = doc.sections[0]
    first.different_first_page_header_footer = True
    if d.vendor.logo_data_uri.startswith("data:image/png") or d.vendor.logo_data_uri.startswith("data:image/jpeg"):
        raw = base64.b64decode(d.vendor.logo_data_uri.split(",", 1)[1])
        doc.add_picture(io.BytesIO(raw), height=Mm(18))
    cover = d.cover()
    doc.add_paragraph(cover[0], style="Title")
    doc.add_paragraph(cover[1], style="Subtitle")
    for line in cover[2:]:
        doc.add_paragraph(line)
    body = doc.add_section(WD_SECTION.NEW_PAGE)
    body.different_first_page_header_footer = False
    body.header.is_linked_to_previous = False
    body.footer.is_linked_to_previous = False
    body.header.paragraphs[0].text = d.running_header
    foot = body.footer.paragraphs[0]
    foot.text = f"{d.vendor.footer_text or d.vendor.legal_name} \u00b7 {d.number} v{d.version} \u00b7 Page "
    _field(foot, "PAGE")
    foot.add_run(" of ")
    _field(foot, "NUMPAGES")
    for s in d.sections:
        _docx_section(doc, s)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _docx_section(doc: Any, s: Section) -> None:
    """One section in Word styles: heading, paragraphs, List Bullet items, the table (header and
    total rows bold), closing paragraphs, labelled signature blocks."""
    if s.new_page:
        doc.add_page_break()
    doc.add_heading(s.heading, level=min(max(s.level, 1), 3))
    for t in s.paragraphs:
        doc.add_paragraph(t)
    for t in s.bullets:
        doc.add_paragraph(t, style="List Bullet")
    if s.rows:
        table = doc.add_table(rows=0, cols=len(s.rows[0]))
        table.style = TABLE_STYLE
        for i, r in enumerate(s.rows):
            cells = table.add_row().cells
            for j, c in enumerate(r):
                cells[j].text = c
                if i in s.total_rows or i == 0:
                    for run in cells[j].paragraphs[0].runs:
                        run.bold = True
    for t in s.after:
        doc.add_paragraph(t)
    for b in s.signatures:
        doc.add_paragraph().add_run(f"For {b.party}").bold = True
        for label, value in (("Signature", b.signature), ("Name", b.name), ("Title", b.title), ("Date", b.date)):
            doc.add_paragraph(f"{label}: {value}")


def docx_text(data: bytes) -> str:
    """Text of a DOCX body in order: paragraphs, and table rows (cells joined by spaces; a cell's
    paragraphs on their own lines)."""
    from docx import Document as Docx  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only DOCX needs it
    from docx.table import Table  # noqa: PLC0415 — python-docx adds ~75 ms to start-up
    from docx.text.paragraph import Paragraph  # noqa: PLC0415 — python-docx adds ~75 ms to start-up

    doc = Docx(io.BytesIO(data))
    lines: list[str] = []
    for block in doc.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, doc).text)
        elif tag == "tbl":
            lines.extend(" ".join(c.text for c in row.cells) for row in Table(block, doc).rows)
    return "\n".join(lines)


class PdfTextError(RuntimeError):
    pass


def pdf_text(data: bytes, *, layout: bool = True) -> str:
    """Text of a PDF through `pdftotext` (poppler-utils). Raises PdfTextError for an unreadable file."""
    args = ["pdftotext", *(["-layout"] if layout else []), "-enc", "UTF-8", "-", "-"]
    try:
        proc = subprocess.run(args, input=data, capture_output=True, timeout=60, check=False)  # noqa: S603 — fixed argv, poppler's pdftotext
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PdfTextError(f"pdftotext failed: {exc}") from exc
    if proc.returncode != 0:
        raise PdfTextError(proc.stderr.decode(errors="replace").strip() or "not a readable PDF")
    return proc.stdout.decode("utf-8", errors="replace")


_PAGE_OF = re.compile(r"Page \d+ of \d+")


def pdf_body_text(text: str, d: Document) -> str:
    """PDF text without the running header and footer lines (what the DOCX keeps in its header/footer)
    and without list bullets: the text to compare with `docx_text` section by section."""
    out = []
    for line in text.splitlines():
        if d.running_header in line or _PAGE_OF.search(line):
            continue
        out.append(line.replace(BULLET, " "))
    return "\n".join(out)
