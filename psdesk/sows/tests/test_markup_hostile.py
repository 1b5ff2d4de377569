"""Hostile mark-up uploads, one file per attack, each sent over the API: refused with 422 and a reason
the person can act on, and nothing stored (no mark-up row, no audit row, no file in storage)."""

from __future__ import annotations

import io
import os
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from psdesk.audit.models import AuditEvent
from psdesk.sows import markup as mk
from psdesk.sows.models import Markup, SowVersion
from psdesk.sows.services import sow_generate

pytestmark = pytest.mark.django_db
DOC = "word/document.xml"
LIMITS = mk.Limits(max_bytes=10 * 1024 * 1024, max_uncompressed=50 * 1024 * 1024, max_ratio=100)


@pytest.fixture
def v1(sow_wip: Any, people: Any) -> SowVersion:
    return sow_generate(engagement_id=sow_wip.pk, actor=people.erin)


def _parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _with_prolog(xml: bytes, prolog: bytes, into_text: bytes = b"") -> bytes:
    """`xml` with `prolog` (a DOCTYPE) after the XML declaration and `into_text` in the first w:t."""
    decl_end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    out = xml[:decl_end] + prolog + xml[decl_end:]
    if into_text:
        out = out.replace(b"<w:t>", b"<w:t>" + into_text, 1).replace(
            b'<w:t xml:space="preserve">', b"<w:t>" + into_text, 1
        )
    return out


def forged_size(docx: bytes) -> bytes:
    """document.xml padded to ~8 MB of XML (it compresses to little), its size headers saying 2 kB."""
    parts = _parts(docx)
    parts[DOC] = parts[DOC].replace(b"</w:body>", b"<!--" + b"x" * 8_000_000 + b"--></w:body>")
    data = bytearray(_zip(parts))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(DOC)
    struct.pack_into("<I", data, info.header_offset + 22, 2048)  # local header: uncompressed size
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(DOC)] != DOC.encode():
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, 2048)  # central directory: uncompressed size
    return bytes(data)


def hidden_vba(docx: bytes) -> bytes:
    """A VBA project (an OLE compound file) stored under an innocent name."""
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff" + os.urandom(2000)
    return _zip({**_parts(docx), "word/media/image7.dat": ole})


def xxe_file_entity(docx: bytes) -> bytes:
    parts = _parts(docx)
    parts[DOC] = _with_prolog(
        parts[DOC], b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', b"&xxe;"
    )
    return _zip(parts)


def parameter_entity(docx: bytes) -> bytes:
    """A parameter entity fetching an external DTD, in a part the reader never looks at."""
    parts = _parts(docx)
    name = "docProps/core.xml" if "docProps/core.xml" in parts else "word/styles.xml"
    parts[name] = _with_prolog(
        parts[name], b'<!DOCTYPE x [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>'
    )
    return _zip(parts)


def billion_laughs(docx: bytes) -> bytes:
    ents = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    parts = _parts(docx)
    parts[DOC] = _with_prolog(parts[DOC], b"<!DOCTYPE w:document [" + ents + b"]>", b"&lol9;")
    return _zip(parts)


def corrupt_deflate(docx: bytes) -> bytes:
    """document.xml's deflate stream starts with a reserved block type (zlib: invalid block type)."""
    data = bytearray(_zip(_parts(docx)))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(DOC)
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    data[info.header_offset + 30 + name_len + extra_len] = 0xFF
    return bytes(data)


def renamed_docm(docx: bytes) -> bytes:
    """A macro-enabled document (.docm content type) renamed to .docx."""
    parts = _parts(docx)
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    return _zip(parts)


def activex_control(docx: bytes) -> bytes:
    control = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        b'<ax:ocx xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" '
        b'ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}" ax:persistence="persistStorage"/>'
    )
    return _zip({**_parts(docx), "word/custom/item9.xml": control})


def fifty_megabytes(docx: bytes) -> bytes:
    return docx + os.urandom(50 * 1024 * 1024)


HOSTILE: list[tuple[str, Callable[[bytes], bytes], str]] = [
    ("forged-size zip", forged_size, "larger than its header declares"),
    ("hidden VBA project", hidden_vba, "embedded OLE object"),
    ("XXE file entity", xxe_file_entity, "declares a DTD or entities"),
    ("parameter entity", parameter_entity, "declares a DTD or entities"),
    ("billion laughs", billion_laughs, "declares a DTD or entities"),
    ("corrupt deflate", corrupt_deflate, "corrupt compressed data"),
    ("renamed .docm", renamed_docm, "macros, ActiveX controls or OLE objects"),
    ("ActiveX control", activex_control, "macros, ActiveX controls or OLE objects"),
    ("50 MB file", fifty_megabytes, "the limit is 10,485,760 bytes"),
]


def _bytes(f: Any) -> bytes:
    with f.open("rb") as fh:
        return bytes(fh.read())


def _stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*markup*")) if root.exists() else []


@pytest.mark.parametrize(("label", "make", "reason"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_markup_is_refused_with_a_422_and_nothing_stored(
    api: Any, v1: SowVersion, label: str, make: Callable[[bytes], bytes], reason: str
) -> None:
    hostile = make(_bytes(v1.docx))
    before = AuditEvent.objects.count()
    client = api("erin")
    r = client.client.post(
        f"/api/v1/sows/{v1.sow_id}/markups",
        {"file": SimpleUploadedFile("acme-redlines.docx", hostile)},
        HTTP_AUTHORIZATION=f"Bearer {client.token}",
    )
    assert r.status_code == 422, (label, r.content[:300])
    body = r.json()
    assert body["code"] == "bad_upload" and reason in body["message"], body
    assert Markup.objects.count() == 0 and AuditEvent.objects.count() == before
    assert _stored_files() == []


def test_the_untouched_docx_passes_every_guard(v1: SowVersion) -> None:
    pkg = mk.validate_docx(_bytes(v1.docx), LIMITS)
    assert DOC in pkg.parts and pkg.parts[DOC].startswith(b"<?xml")


def test_a_part_over_the_ratio_limit_is_refused_while_inflating() -> None:
    bomb = _zip(
        {
            "[Content_Types].xml": b"<Types/>",
            DOC: b"<a>" + b"a" * 20_000_000 + b"</a>",
        }
    )
    with pytest.raises(mk.MarkupError, match="expands suspiciously"):
        mk.validate_docx(bomb, LIMITS)


def test_too_many_parts_are_refused() -> None:
    many = _zip({"[Content_Types].xml": b"<Types/>", DOC: b"<a/>", **{f"p/{i}.xml": b"<a/>" for i in range(1001)}})
    with pytest.raises(mk.MarkupError, match="at most 1000"):
        mk.validate_docx(many, LIMITS)
