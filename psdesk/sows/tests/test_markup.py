"""Customer mark-up: tracked changes and comments made in the test with python-docx + lxml
(WordprocessingML w:ins / w:del / comments), listed per section, accepted or rejected; upload guards."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from psdesk.audit.models import AuditEvent
from psdesk.core.errors import Conflict, ValidationFailed
from psdesk.sows.models import Markup, SowVersion
from psdesk.sows.services import markup_accept, markup_reject, markup_upload, sow_generate

pytestmark = pytest.mark.django_db
ASSUMPTIONS = "5. Assumptions and customer responsibilities"


def _run(tag: str, text: str) -> Any:
    r = OxmlElement("w:r")
    t = OxmlElement("w:delText" if tag == "del" else "w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = text
    r.append(t)
    wrapper = OxmlElement(f"w:{tag}")
    wrapper.set(qn("w:id"), str(abs(hash((tag, text))) % 10000))
    wrapper.set(qn("w:author"), "Carl Customer")
    wrapper.set(qn("w:date"), "2026-11-27T10:00:00Z")
    wrapper.append(r)
    return wrapper


def marked_up(docx_bytes: bytes) -> bytes:
    """The version's DOCX as the customer returns it: in Assumptions, "a staging environment" is
    deleted and "two staging environments" inserted; a comment on the Travel clause."""
    d = Document(io.BytesIO(docx_bytes))
    paras = d.paragraphs
    start = next(i for i, p in enumerate(paras) if p.text == ASSUMPTIONS)
    target = paras[start + 1]
    assert target.text == "Customer provides a staging environment."
    for r in list(target.runs):
        r._r.getparent().remove(r._r)
    keep = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = "Customer provides "
    keep.append(t)
    target._p.append(keep)
    target._p.append(_run("del", "a staging environment."))
    target._p.append(_run("ins", "two staging environments."))
    travel = next(p for p in paras if p.text.startswith("Travel and expenses are not included"))
    d.add_comment(travel.runs, text="Cap travel at 10% of fees please.", author="Carl Customer", initials="CC")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@pytest.fixture
def v1(sow_wip: Any, people: Any) -> SowVersion:
    return sow_generate(engagement_id=sow_wip.pk, actor=people.erin)


def _bytes(f: Any) -> bytes:
    with f.open("rb") as fh:
        return bytes(fh.read())


def test_tracked_changes_and_comments_are_listed_per_section(v1: SowVersion, people: Any) -> None:
    m = markup_upload(
        sow_id=v1.sow_id, actor=people.erin, filename="acme-redlines.docx", data=marked_up(_bytes(v1.docx))
    )
    by = {c["heading"]: c for c in m.changes}
    a = by[ASSUMPTIONS]
    assert a["insertions"] == [
        {"author": "Carl Customer", "date": "2026-11-27T10:00:00Z", "text": "two staging environments."}
    ]
    assert a["deletions"] == [
        {"author": "Carl Customer", "date": "2026-11-27T10:00:00Z", "text": "a staging environment."}
    ]
    assert a["accepted_paragraphs"][0] == "Customer provides two staging environments."
    travel = by["10. Travel and expenses"]
    assert [c["text"] for c in travel["comments"]] == ["Cap travel at 10% of fees please."]
    assert travel["comments"][0]["author"] == "Carl Customer"
    assert sum(len(c["insertions"]) for c in m.changes) == 1
    ev = AuditEvent.objects.get(verb="sows.markup_uploaded")
    assert ev.after["insertions"] == 1 and ev.after["deletions"] == 1 and ev.after["comments"] == 1


def test_accepting_a_markup_makes_a_new_version_carrying_the_edits(v1: SowVersion, people: Any) -> None:
    m = markup_upload(sow_id=v1.sow_id, actor=people.erin, filename="r.docx", data=marked_up(_bytes(v1.docx)))
    v2 = markup_accept(markup_id=m.pk, actor=people.erin)
    assert (v2.number, v2.source) == (2, "markup")
    assert v2.content["clauses"]["assumptions"][0] == "Customer provides two staging environments."
    assert v2.content["clauses"]["travel"] == v1.content["clauses"]["travel"]  # a comment is not an edit
    assert v2.content_hash != v1.content_hash
    m.refresh_from_db()
    assert (m.status, m.result_version_id) == ("accepted", v2.pk)
    with pytest.raises(Conflict, match="already accepted"):
        markup_accept(markup_id=m.pk, actor=people.erin)


def test_rejecting_a_markup_needs_a_note_and_keeps_the_version(v1: SowVersion, people: Any) -> None:
    m = markup_upload(sow_id=v1.sow_id, actor=people.erin, filename="r.docx", data=marked_up(_bytes(v1.docx)))
    with pytest.raises(ValidationFailed, match="why"):
        markup_reject(markup_id=m.pk, actor=people.erin, note=" ")
    markup_reject(markup_id=m.pk, actor=people.erin, note="Two environments are out of budget.")
    m.refresh_from_db()
    assert (m.status, m.note) == ("rejected", "Two environments are out of budget.")
    assert SowVersion.objects.count() == 1


def _zip(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "reason"),
    [
        ("notes.txt", lambda d: b"hello", "as a .docx file"),
        ("fake.docx", lambda d: b"%PDF-1.7 not a docx", "Not a DOCX"),
        ("empty.docx", lambda d: b"", "empty"),
        ("other.docx", lambda d: _zip({"hello.txt": b"hi"}), "Not a DOCX"),
        (
            "macro.docx",
            lambda d: _zip(
                {
                    **{n: zipfile.ZipFile(io.BytesIO(d)).read(n) for n in zipfile.ZipFile(io.BytesIO(d)).namelist()},
                    "word/vbaProject.bin": b"\x00" * 10,
                }
            ),
            "Macro",
        ),
        (
            "bomb.docx",
            lambda d: _zip({"[Content_Types].xml": b"x", "word/document.xml": b"<" + b"a" * 60_000_000 + b">"}),
            "zip bomb",
        ),
    ],
)
def test_bad_uploads_are_refused_with_a_reason_and_nothing_written(
    v1: SowVersion, people: Any, name: str, make: Any, reason: str
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match=reason):
        markup_upload(sow_id=v1.sow_id, actor=people.erin, filename=name, data=make(_bytes(v1.docx)))
    assert Markup.objects.count() == 0 and AuditEvent.objects.count() == before


def test_an_oversized_upload_is_refused(v1: SowVersion, people: Any) -> None:
    from psdesk.sows.models import SowPolicy

    SowPolicy.objects.update(upload_max_bytes=1000)
    with pytest.raises(ValidationFailed, match="the limit is 1,000 bytes"):
        markup_upload(sow_id=v1.sow_id, actor=people.erin, filename="big.docx", data=_bytes(v1.docx))
    assert Markup.objects.count() == 0
