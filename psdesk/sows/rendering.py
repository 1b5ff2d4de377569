"""Rendering a SOW version in the customer-document standard (psdesk/branding/rendering.py): DOCX
with Word styles, HTML (the on-screen preview) and PDF through WeasyPrint from that same HTML, each
with the cover, running header and "Page X of Y" footer. An admin-uploaded docxtpl template, when
active, replaces the standard DOCX; `build_docx_template` (also `psdesk sow docx-template`) writes a
starting point for one. Text extraction (pdftotext, python-docx) comes from psdesk.branding.rendering.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from psdesk.branding import rendering as branding_rendering
from psdesk.branding.document import Document, Section
from psdesk.branding.selectors import vendor_get
from psdesk.sows import document as doc

TEMPLATE_PATH = Path(__file__).parent / "docx" / "sow_template.docx"


def build_docx_template() -> bytes:
    """The docxtpl template: a title, then a loop over sections (heading by level, paragraphs, an
    optional 3-column table whose rows are a `{%tr for %}` loop, closing paragraphs)."""
    from docx import Document as Docx  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only rendering needs it
    from docx.shared import Pt  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only rendering needs it

    d = Docx()
    normal = d.styles["Normal"]
    normal.font.name = "DejaVu Sans"
    normal.font.size = Pt(10)
    d.add_paragraph("Statement of Work {{ number }}", style="Title")
    d.add_paragraph("{{ title }}")
    d.add_paragraph("{%p for s in sections %}")
    d.add_paragraph("{%p if s.level == 1 %}")
    d.add_paragraph("{{ s.heading }}", style="Heading 1")
    d.add_paragraph("{%p else %}")
    d.add_paragraph("{{ s.heading }}", style="Heading 2")
    d.add_paragraph("{%p endif %}")
    d.add_paragraph("{%p for t in s.paragraphs %}")
    d.add_paragraph("{{ t }}")
    d.add_paragraph("{%p endfor %}")
    d.add_paragraph("{%p if s.rows %}")
    table = d.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = "{%tr for r in s.rows %}"
    for i in range(3):
        table.rows[1].cells[i].text = "{{ r[" + str(i) + "] }}"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    d.add_paragraph("{%p endif %}")
    d.add_paragraph("{%p for t in s.after %}")
    d.add_paragraph("{{ t }}")
    d.add_paragraph("{%p endfor %}")
    d.add_paragraph("{%p endfor %}")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


@lru_cache(maxsize=1)
def shipped_template() -> bytes:
    """The template shipped in the repo; built on first use when the file is absent."""
    if not TEMPLATE_PATH.exists():
        TEMPLATE_PATH.parent.mkdir(parents=True, exist_ok=True)
        TEMPLATE_PATH.write_bytes(build_docx_template())
    return TEMPLATE_PATH.read_bytes()


def _context(content: dict[str, Any], secs: Sequence[Section]) -> dict[str, Any]:
    return {
        "number": content["number"],
        "title": content["title"],
        "sections": [s.as_dict() for s in secs],
    }


def sow_document(content: dict[str, Any], secs: Sequence[Section], *, version: int | str = "") -> Document:
    """The SOW content as a customer Document with the vendor profile's logo."""
    d = doc.document(content, vendor=vendor_get(), version=version)
    d.sections = list(secs)
    return d


def render_docx(
    content: dict[str, Any], secs: Sequence[Section], *, template: bytes | None = None, version: int | str = ""
) -> bytes:
    """The DOCX: the document standard (psdesk.branding.rendering) unless the admin uploaded a docxtpl
    template, which is then rendered with `number`, `title` and `sections`."""
    if template is None:
        return branding_rendering.render_docx(sow_document(content, secs, version=version))
    from docxtpl import DocxTemplate  # noqa: PLC0415 — docxtpl (Jinja, python-docx) adds ~130 ms to start-up

    tpl = DocxTemplate(io.BytesIO(template))
    tpl.render(_context(content, secs), autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def render_html(
    content: dict[str, Any], secs: Sequence[Section], *, standalone: bool = True, version: int | str = ""
) -> str:
    """The document HTML: the on-screen preview (`standalone=False` gives the fragment) and the PDF source."""
    return branding_rendering.render_html(sow_document(content, secs, version=version), standalone=standalone)


def render_pdf(html: str) -> bytes:
    return branding_rendering.render_pdf(html)


def pdf_body_text(text: str, content: dict[str, Any], *, version: int | str = "") -> str:
    """PDF text without running header/footer lines and bullets (compare with `docx_text`)."""
    return branding_rendering.pdf_body_text(text, sow_document(content, [], version=version))


docx_text = branding_rendering.docx_text
pdf_text = branding_rendering.pdf_text
PdfTextError = branding_rendering.PdfTextError
