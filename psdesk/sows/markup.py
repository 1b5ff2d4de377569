"""Customer mark-up: validating an uploaded DOCX and reading its tracked changes and comments per
section. Pure (no Django): zipfile + lxml with entity resolution and network access off.

Guards: a size limit, a real DOCX (a zip with [Content_Types].xml and word/document.xml, main part of
the WordprocessingML document type), no macros (no vbaProject.bin, no macro-enabled content type),
and a zip-bomb guard (member count, total uncompressed size, per-member compression ratio).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
MAX_MEMBERS = 1000
MACRO_TYPES = ("macroEnabled", "vbaProject")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


class MarkupError(ValueError):
    """The upload is refused; the message is the human reason."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_uncompressed: int
    max_ratio: int


def validate_docx(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """The opened zip of a valid DOCX, or MarkupError with the reason."""
    if len(data) == 0:
        raise MarkupError("The file is empty.")
    if len(data) > limits.max_bytes:
        raise MarkupError(f"The file is {len(data):,} bytes; the limit is {limits.max_bytes:,} bytes.")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise MarkupError("Not a DOCX file (it is not a Word document package).")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise MarkupError(f"Not a DOCX file ({exc}).") from None
    if len(infos) > MAX_MEMBERS:
        raise MarkupError(f"The package has {len(infos)} parts; at most {MAX_MEMBERS} are accepted.")
    total = 0
    for info in infos:
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio and info.file_size > 1_000_000:
            raise MarkupError(f"Part {info.filename} expands suspiciously (zip bomb guard).")
        if info.filename.lower().endswith("vbaproject.bin"):
            raise MarkupError("Macro-enabled documents are not accepted (the file contains a VBA project).")
    if total > limits.max_uncompressed:
        raise MarkupError(
            f"The package expands to {total:,} bytes; the limit is {limits.max_uncompressed:,} (zip bomb guard)."
        )
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise MarkupError("Not a DOCX file (no Word document part).")
    ctypes = _read(zf, "[Content_Types].xml", limits)
    if any(m.encode() in ctypes for m in MACRO_TYPES):
        raise MarkupError("Macro-enabled documents are not accepted.")
    if b"wordprocessingml.document.main" not in ctypes:
        raise MarkupError("Not a DOCX file (the main part is not a Word document).")
    return zf


def _read(zf: zipfile.ZipFile, name: str, limits: Limits) -> bytes:
    with zf.open(name) as fh:
        data = fh.read(limits.max_uncompressed + 1)
    if len(data) > limits.max_uncompressed:
        raise MarkupError("A part expands beyond the limit (zip bomb guard).")
    return data


def _parse(data: bytes) -> Any:
    try:
        return etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MarkupError(f"The document XML is damaged ({exc}).") from None


@dataclass
class SectionChanges:
    heading: str
    insertions: list[dict[str, str]] = field(default_factory=list)
    deletions: list[dict[str, str]] = field(default_factory=list)
    comments: list[dict[str, str]] = field(default_factory=list)
    accepted_paragraphs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "heading": self.heading,
            "insertions": self.insertions,
            "deletions": self.deletions,
            "comments": self.comments,
            "accepted_paragraphs": self.accepted_paragraphs,
        }

    @property
    def has_changes(self) -> bool:
        return bool(self.insertions or self.deletions or self.comments)


def _text(el: Any, tag: str) -> str:
    return "".join(t.text or "" for t in el.iter(f"{{{W}}}{tag}"))


def _accepted_text(p: Any) -> str:
    """A paragraph's text with insertions kept and deletions dropped (w:delText is never included)."""
    return "".join(t.text or "" for t in p.iter(f"{{{W}}}t"))


def read_changes(zf: zipfile.ZipFile, headings: Sequence[str], limits: Limits) -> list[SectionChanges]:
    """Tracked insertions/deletions and comments, grouped by the section heading they fall under
    (matched against the version's known `headings`; text before the first heading is "")."""
    body = _parse(_read(zf, "word/document.xml", limits))
    comments: dict[str, dict[str, str]] = {}
    if "word/comments.xml" in zf.namelist():
        croot = _parse(_read(zf, "word/comments.xml", limits))
        for c in croot.iter(f"{{{W}}}comment"):
            cid = c.get(f"{{{W}}}id", "")
            comments[cid] = {
                "author": c.get(f"{{{W}}}author", ""),
                "date": c.get(f"{{{W}}}date", ""),
                "text": " ".join(_text(p, "t") for p in c.iter(f"{{{W}}}p")).strip(),
            }
    known = {" ".join(h.split()): h for h in headings}
    current = SectionChanges(heading="")
    out = [current]
    root_body = body.find("w:body", NS)
    if root_body is None:
        raise MarkupError("The document has no body.")
    for block in root_body.iterchildren():
        paras = [block] if block.tag == f"{{{W}}}p" else list(block.iter(f"{{{W}}}p"))
        in_table = block.tag != f"{{{W}}}p"
        for p in paras:
            plain = " ".join(_accepted_text(p).split())
            original = " ".join(("".join(t.text or "" for t in p.iter(f"{{{W}}}t", f"{{{W}}}delText"))).split())
            for candidate in (plain, original):
                if candidate in known and not in_table:
                    current = SectionChanges(heading=known[candidate])
                    out.append(current)
                    break
            else:
                for ins in p.iter(f"{{{W}}}ins"):
                    current.insertions.append(
                        {
                            "author": ins.get(f"{{{W}}}author", ""),
                            "date": ins.get(f"{{{W}}}date", ""),
                            "text": _text(ins, "t"),
                        }
                    )
                for d in p.iter(f"{{{W}}}del"):
                    current.deletions.append(
                        {
                            "author": d.get(f"{{{W}}}author", ""),
                            "date": d.get(f"{{{W}}}date", ""),
                            "text": _text(d, "delText"),
                        }
                    )
                for ref in p.iter(f"{{{W}}}commentReference", f"{{{W}}}commentRangeStart"):
                    cid = ref.get(f"{{{W}}}id", "")
                    if cid in comments and all(c.get("id") != cid for c in current.comments):
                        current.comments.append({"id": cid, **comments[cid]})
                if not in_table and plain:
                    current.accepted_paragraphs.append(plain)
    return [s for s in out if s.heading or s.has_changes]
