"""Customer mark-up: validating an uploaded DOCX and reading its tracked changes and comments per
section. Pure (no Django): zipfile for the directory, zlib for inflating, lxml with entity resolution,
DTD loading and network access off.

Guards, all before anything is stored: a size limit; a real DOCX (a zip with [Content_Types].xml and
word/document.xml, main part of the WordprocessingML document type, not the macro-enabled one); at
most `MAX_MEMBERS` parts, no duplicate or encrypted parts, only stored or deflated parts; every part
inflated here with the real byte count checked against the limit and the compression ratio while it
inflates, and against the size and CRC its headers declare (a forged size is refused); no active or
embedded content, judged by content whatever a part is called (an OLE compound file — VBA projects,
ActiveX controls and OLE objects are stored as one — an ActiveX control part, a macro, ActiveX or OLE
content type or relationship); no XML part with a DTD or an entity declaration (XXE, parameter
entities, billion laughs).
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
MAX_MEMBERS = 1000
# A ratio is only suspicious for a part big enough to matter (XML compresses well).
RATIO_FLOOR_BYTES = 1_000_000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ACTIVE_CONTENT = re.compile(
    rb"macroEnabled|vbaProject|vbaData|ms-office\.activeX|/activeX|oleObject|officeDocument/2006/relationships/control",
    re.IGNORECASE,
)
ACTIVEX_NS = b"schemas.microsoft.com/office/2006/activeX"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK = 64 * 1024
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False
)


class MarkupError(ValueError):
    """The upload is refused; the message is the human reason."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_uncompressed: int
    max_ratio: int


@dataclass(frozen=True)
class Package:
    """A validated DOCX: each part's inflated bytes by name."""

    parts: Mapping[str, bytes]

    def namelist(self) -> list[str]:
        return list(self.parts)


def validate_docx(data: bytes, limits: Limits) -> Package:
    """The parts of a valid DOCX, or MarkupError with the reason."""
    if len(data) == 0:
        raise MarkupError("The file is empty.")
    if len(data) > limits.max_bytes:
        # Callers read at most max_bytes + 1, so the real size is unknown: say it is over the limit.
        raise MarkupError(f"The file is too large; the limit is {limits.max_bytes:,} bytes.")
    try:
        infos = zipfile.ZipFile(_Reader(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise MarkupError("Not a DOCX file (it is not a Word document package).") from None
    if len(infos) > MAX_MEMBERS:
        raise MarkupError(f"The package has {len(infos)} parts; at most {MAX_MEMBERS} are accepted.")
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise MarkupError("The package lists a part twice (a damaged or crafted file).")
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise MarkupError("Not a DOCX file (no Word document part).")
    parts: dict[str, bytes] = {}
    budget = limits.max_uncompressed
    for info in infos:
        part = _inflate(data, info, limits, budget)
        budget -= len(part)
        parts[info.filename] = part
    for name, part in parts.items():
        _refuse_active_content(name, part)
    ctypes = parts["[Content_Types].xml"]
    if b"wordprocessingml.document.main" not in ctypes:
        raise MarkupError("Not a DOCX file (the main part is not a Word document).")
    return Package(parts=parts)


class _Reader:
    """Bytes as a seekable file for zipfile (io.BytesIO would copy the upload once more)."""

    def __init__(self, data: bytes) -> None:
        self._view = memoryview(data)
        self._pos = 0

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, n: int = -1) -> bytes:
        end = len(self._view) if n < 0 else min(len(self._view), self._pos + n)
        out = bytes(self._view[self._pos : end])
        self._pos = end
        return out

    def seekable(self) -> bool:
        return True


def _inflate(data: bytes, info: zipfile.ZipInfo, limits: Limits, budget: int) -> bytes:
    """A part's bytes, inflated here from its raw data: the real size is counted while inflating and
    must stay within `budget` and the ratio limit, then match the declared size and CRC."""
    name = info.filename
    if info.flag_bits & 0x1:
        raise MarkupError(f"Part {name} is encrypted; encrypted documents are not accepted.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise MarkupError(f"Part {name} uses a compression method Word does not write.")
    offset = info.header_offset
    header = data[offset : offset + _LOCAL_HEADER.size]
    if len(header) < _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise MarkupError(f"Part {name} is damaged (no local header).")
    name_len, extra_len = _LOCAL_HEADER.unpack(header)[-2:]
    start = offset + _LOCAL_HEADER.size + name_len + extra_len
    raw = memoryview(data)[start : start + info.compress_size]
    out = bytearray()
    crc = 0
    if info.compress_type == zipfile.ZIP_STORED:
        chunks: Any = (bytes(raw[i : i + _CHUNK]) for i in range(0, len(raw), _CHUNK))
        done = True
    else:
        chunks, done = _deflated_chunks(name, bytes(raw)), False
    for chunk in chunks:
        if isinstance(chunk, bool):
            done = chunk
            continue
        out += chunk
        crc = zlib.crc32(chunk, crc)
        if len(out) > info.file_size:
            raise MarkupError(f"Part {name} is larger than its header declares (a forged or damaged file).")
        if len(out) > budget:
            raise MarkupError(
                f"The package expands beyond {limits.max_uncompressed:,} bytes, the limit (zip bomb guard)."
            )
        if len(out) > RATIO_FLOOR_BYTES and len(out) > limits.max_ratio * max(info.compress_size, 1):
            raise MarkupError(f"Part {name} expands suspiciously (zip bomb guard).")
    if not done:
        raise MarkupError(f"Part {name} is damaged (its compressed data ends early).")
    if len(out) != info.file_size:
        raise MarkupError(f"Part {name} is not the size its header declares (a forged or damaged file).")
    if crc != info.CRC:
        raise MarkupError(f"Part {name} is damaged (checksum mismatch).")
    return bytes(out)


def _deflated_chunks(name: str, raw: bytes) -> Any:
    """Yields inflated chunks of at most _CHUNK bytes, then True once the deflate stream ended."""
    d = zlib.decompressobj(-zlib.MAX_WBITS)
    pending = raw
    try:
        while not d.eof:
            chunk = d.decompress(pending, _CHUNK)
            pending = d.unconsumed_tail
            if chunk:
                yield chunk
            elif not pending:
                chunk = d.flush()
                if chunk:
                    yield chunk
                break
    except zlib.error:
        raise MarkupError(f"Part {name} is damaged (corrupt compressed data).") from None
    yield d.eof


def _refuse_active_content(name: str, part: bytes) -> None:
    """Macros, ActiveX and embedded OLE objects are refused by what a part holds (and by the names
    Word gives them)."""
    if name.lower().rsplit("/", 1)[-1] in {"vbaproject.bin", "vbadata.xml"}:
        raise MarkupError("Macro-enabled documents are not accepted (the file contains a VBA project).")
    if part.startswith(OLE_MAGIC):
        raise MarkupError(
            f"Part {name} is an embedded OLE object (a VBA project, ActiveX control or OLE object); "
            "macro-enabled and active content is not accepted."
        )
    head = part[:4096]
    xml_like = name.endswith((".xml", ".rels")) or head.lstrip().startswith(
        (b"<", b"\xef\xbb\xbf<", b"\xff\xfe", b"\xfe\xff")
    )
    if not xml_like:
        return
    text = _as_utf8(part)
    if _DECLARATION.search(text):
        raise MarkupError(f"Part {name} declares a DTD or entities; such documents are not accepted.")
    if ACTIVEX_NS in text or (name.endswith((".rels", "[Content_Types].xml")) and ACTIVE_CONTENT.search(text)):
        raise MarkupError(f"Part {name} declares macros, ActiveX controls or OLE objects; they are not accepted.")
    root = _parse(part, name)
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise MarkupError(f"Part {name} declares a DTD or entities; such documents are not accepted.")


def _as_utf8(part: bytes) -> bytes:
    """The part as UTF-8 for pattern checks (XML may be UTF-16 with a byte-order mark)."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if part.startswith(bom):
            return part[2:].decode(codec, errors="replace").encode()
    if b"\x00" in part[:2]:
        codec = "utf-16-be" if part[:1] == b"\x00" else "utf-16-le"
        return part.decode(codec, errors="replace").encode()
    return part


def _parse(data: bytes, name: str = "The document") -> Any:
    try:
        return etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MarkupError(f"{name}: the XML is damaged ({exc}).") from None


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


def read_changes(pkg: Package, headings: Sequence[str], limits: Limits) -> list[SectionChanges]:
    """Tracked insertions/deletions and comments, grouped by the section heading they fall under
    (matched against the version's known `headings`; text before the first heading is "").
    `limits` is kept for callers; the package was bounded when it was validated."""
    body = _parse(pkg.parts["word/document.xml"], "word/document.xml")
    comments: dict[str, dict[str, str]] = {}
    if "word/comments.xml" in pkg.parts:
        croot = _parse(pkg.parts["word/comments.xml"], "word/comments.xml")
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
