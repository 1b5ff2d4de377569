"""Rendering a SOW version: DOCX through docxtpl (from the shipped template, or an admin upload),
HTML (the on-screen preview) and PDF through WeasyPrint from that same HTML. Also text extraction
from DOCX (python-docx) and PDF (`pdftotext`, poppler-utils) used by tests and the signed-PDF check.

The shipped template is built programmatically with python-docx (`build_docx_template`, also the
`sow_docx_template` management command) — no binary is edited by hand.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string

from psdesk.sows.document import Section

TEMPLATE_PATH = Path(__file__).parent / "docx" / "sow_template.docx"


def build_docx_template() -> bytes:
    """The docxtpl template: a title, then a loop over sections (heading by level, paragraphs, an
    optional 3-column table whose rows are a `{%tr for %}` loop, closing paragraphs)."""
    from docx import Document  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only rendering needs it
    from docx.shared import Pt  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only rendering needs it

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "DejaVu Sans"
    normal.font.size = Pt(10)
    doc.add_paragraph("Statement of Work {{ number }}", style="Title")
    doc.add_paragraph("{{ title }}")
    doc.add_paragraph("{%p for s in sections %}")
    doc.add_paragraph("{%p if s.level == 1 %}")
    doc.add_paragraph("{{ s.heading }}", style="Heading 1")
    doc.add_paragraph("{%p else %}")
    doc.add_paragraph("{{ s.heading }}", style="Heading 2")
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p for t in s.paragraphs %}")
    doc.add_paragraph("{{ t }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p if s.rows %}")
    table = doc.add_table(rows=3, cols=3)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = "{%tr for r in s.rows %}"
    for i in range(3):
        table.rows[1].cells[i].text = "{{ r[" + str(i) + "] }}"
    table.rows[2].cells[0].text = "{%tr endfor %}"
    doc.add_paragraph("{%p endif %}")
    doc.add_paragraph("{%p for t in s.after %}")
    doc.add_paragraph("{{ t }}")
    doc.add_paragraph("{%p endfor %}")
    doc.add_paragraph("{%p endfor %}")
    buf = io.BytesIO()
    doc.save(buf)
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


def render_docx(content: dict[str, Any], secs: Sequence[Section], *, template: bytes | None = None) -> bytes:
    from docxtpl import DocxTemplate  # noqa: PLC0415 — docxtpl (Jinja, python-docx) adds ~130 ms to start-up

    tpl = DocxTemplate(io.BytesIO(template or shipped_template()))
    tpl.render(_context(content, secs), autoescape=True)
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()


def render_html(content: dict[str, Any], secs: Sequence[Section], *, standalone: bool = True) -> str:
    """The document HTML: the on-screen preview (`standalone=False` gives the fragment) and the PDF source."""
    ctx = _context(content, secs)
    return render_to_string("sows/pdf.html" if standalone else "sows/_document.html", ctx)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 — WeasyPrint adds ~1 s to start-up; only PDF rendering needs it

    return bytes(HTML(string=html).write_pdf())


def docx_text(data: bytes) -> str:
    """Text of a DOCX in body order: paragraphs and table rows (cells joined by spaces)."""
    from docx import Document  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only rendering needs it
    from docx.table import Table  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only rendering needs it
    from docx.text.paragraph import Paragraph  # noqa: PLC0415 — python-docx (lxml) adds ~75 ms to start-up; only rendering needs it

    doc = Document(io.BytesIO(data))
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


def pdf_text(data: bytes) -> str:
    """Text of a PDF through `pdftotext` (poppler-utils). Raises PdfTextError for an unreadable file."""
    try:
        proc = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],  # noqa: S607 — poppler-utils' pdftotext, found on PATH
            input=data,
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PdfTextError(f"pdftotext failed: {exc}") from exc
    if proc.returncode != 0:
        raise PdfTextError(proc.stderr.decode(errors="replace").strip() or "not a readable PDF")
    return proc.stdout.decode("utf-8", errors="replace")
