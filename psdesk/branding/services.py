from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.branding.document import Document, content_hash, document_from_dict
from psdesk.branding.models import DocumentFormat, RenderedDocument, RenderState, VendorProfile
from psdesk.core import clock
from psdesk.core.types import Actor

FIELDS = (
    "legal_name",
    "brand_name",
    "address",
    "brand_colour",
    "signatory_name",
    "signatory_title",
    "signatory_email",
    "footer_text",
    "default_currency",
)


def vendor_profile_save(*, profile: VendorProfile, actor: Actor | str | None, before: dict[str, Any]) -> VendorProfile:
    """Store an edited (already validated) vendor profile; audited `branding.vendor_profile_changed`
    with the old and new values of the fields that changed."""
    with transaction.atomic():
        profile.updated_at = clock.now()
        profile.save()
        after = {f: getattr(profile, f) for f in FIELDS}
        changed = {f: v for f, v in after.items() if before.get(f) != v}
        audit_record(
            verb="branding.vendor_profile_changed",
            actor=actor,
            target=profile,
            before={f: before.get(f) for f in changed},
            after=changed,
        )
    return profile


@dataclass(frozen=True)
class Rendition:
    """Where one rendering of a document stands: `state` (rendering, ready, failed), and when ready
    its bytes (checked against the stored SHA-256) and that SHA-256; `error` when failed."""

    content_hash: str
    fmt: str
    state: str
    data: bytes | None = None
    sha256: str = ""
    error: str = ""


def _stored_bytes(row: RenderedDocument) -> bytes | None:
    """The row's file when it is there and its SHA-256 is the recorded one, else None."""
    if row.state != RenderState.READY or not row.file:
        return None
    try:
        with row.file.open("rb") as fh:
            data = bytes(fh.read())
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == row.sha256 else None


def rendition_get(*, content_hash: str, fmt: str = DocumentFormat.PDF) -> Rendition | None:
    """Where the rendering of `content_hash` in `fmt` stands, or None when it was never asked for
    (a ready row whose file is gone or altered reads as None: it must be rendered again)."""
    row = RenderedDocument.objects.filter(content_hash=content_hash, fmt=fmt).first()
    if row is None:
        return None
    if row.state == RenderState.READY:
        data = _stored_bytes(row)
        if data is None:
            return None
        return Rendition(content_hash=content_hash, fmt=fmt, state=row.state, data=data, sha256=row.sha256)
    return Rendition(content_hash=content_hash, fmt=fmt, state=row.state, error=row.error)


def rendered_document_get(*, content_hash: str, fmt: str = DocumentFormat.PDF) -> bytes | None:
    """The stored file for `content_hash` in `fmt`, or None (also when the file is missing or its SHA-256 differs)."""
    r = rendition_get(content_hash=content_hash, fmt=fmt)
    return r.data if r is not None else None


def rendered_document_store(
    *, content_hash: str, kind: str, number: str, data: bytes, fmt: str = DocumentFormat.PDF
) -> RenderedDocument:
    """Store a rendered file under its content hash and format, in state ready (a row still waiting
    for the worker, failed, or whose file is gone is completed in place; a ready row with its file
    is kept: the same content is stored once)."""
    digest = hashlib.sha256(data).hexdigest()
    row, _ = RenderedDocument.objects.get_or_create(
        content_hash=content_hash, fmt=fmt, defaults={"kind": kind[:60], "number": number[:60]}
    )
    if row.state == RenderState.READY and _stored_bytes(row) is not None:
        return row
    name = row.file.storage.save(f"documents/{content_hash}.{fmt}", ContentFile(data))
    now = clock.now()
    RenderedDocument.objects.filter(pk=row.pk).update(
        state=RenderState.READY, file=name, sha256=digest, source=None, error="", rendered_at=now
    )
    row.refresh_from_db()
    return row


def rendition_request(*, document: Document, fmt: str = DocumentFormat.PDF) -> tuple[Rendition, bool]:
    """The stored rendering of `document` in `fmt` when there is one; otherwise a row in state
    rendering that holds the Document as its source (created, or reset from failed / a lost file).
    Returns (rendition, enqueue): `enqueue` is True when the caller must ask the worker to render
    `(content_hash, fmt)` (psdesk.branding.renditions does, after commit)."""
    digest = content_hash(document)
    current = rendition_get(content_hash=digest, fmt=fmt)
    if current is not None and current.state == RenderState.RENDERING:
        return current, False
    if current is not None and current.state == RenderState.READY:
        return current, False
    source = asdict(document)
    row, created = RenderedDocument.objects.get_or_create(
        content_hash=digest,
        fmt=fmt,
        defaults={"kind": document.kind[:60], "number": document.number[:60], "source": source},
    )
    if not created:  # failed before, or ready with its file gone: render again
        RenderedDocument.objects.filter(pk=row.pk).update(
            state=RenderState.RENDERING, source=source, error="", requested_at=clock.now()
        )
    return Rendition(content_hash=digest, fmt=fmt, state=RenderState.RENDERING), True


def rendition_slot_request(
    *, content_hash: str, fmt: str, kind: str, number: str, reask_after_seconds: int
) -> tuple[Rendition, bool]:
    """Like `rendition_request` for a file an app renders itself (the estimate workbook): no
    Document source is kept, the app's own worker task renders and stores `(content_hash, fmt)`.
    Returns (rendition, enqueue): `enqueue` is True when the caller must ask its task — the row is
    new, failed before, lost its file, or has been rendering longer than `reask_after_seconds`."""
    current = rendition_get(content_hash=content_hash, fmt=fmt)
    if current is not None and current.state == RenderState.READY:
        return current, False
    now = clock.now()
    row, created = RenderedDocument.objects.get_or_create(
        content_hash=content_hash, fmt=fmt, defaults={"kind": kind[:60], "number": number[:60], "requested_at": now}
    )
    if created:
        return Rendition(content_hash=content_hash, fmt=fmt, state=RenderState.RENDERING), True
    lost = row.state == RenderState.RENDERING and (now - row.requested_at).total_seconds() > reask_after_seconds
    if current is not None and current.state == RenderState.RENDERING and not lost:
        return current, False
    RenderedDocument.objects.filter(pk=row.pk).update(state=RenderState.RENDERING, error="", requested_at=now)
    return Rendition(content_hash=content_hash, fmt=fmt, state=RenderState.RENDERING), True


def rendition_fail(*, content_hash: str, fmt: str, error: str) -> None:
    """Mark a rendering row failed with the reason (a row already ready is left as it is)."""
    RenderedDocument.objects.filter(content_hash=content_hash, fmt=fmt, state=RenderState.RENDERING).update(
        state=RenderState.FAILED, error=error[:2000]
    )


def rendition_alias(*, content_hash: str, fmt: str, of: str) -> None:
    """Complete the rendering row `content_hash` (a key an app asked under before it knew the
    content hash) as the stored file of `of`: same file, same SHA-256, state ready."""
    real = RenderedDocument.objects.filter(content_hash=of, fmt=fmt, state=RenderState.READY).first()
    if real is None:
        return
    RenderedDocument.objects.filter(content_hash=content_hash, fmt=fmt).exclude(state=RenderState.READY).update(
        state=RenderState.READY, file=real.file.name, sha256=real.sha256, source=None, error="", rendered_at=clock.now()
    )


def _render_bytes(document: Document, fmt: str) -> bytes:
    from psdesk.branding import rendering  # noqa: PLC0415 — rendering loads WeasyPrint/python-docx lazily; services stay light for the web process

    return rendering.render_docx(document) if fmt == DocumentFormat.DOCX else rendering.render_pdf(document)


def document_render(*, content_hash: str, fmt: str = DocumentFormat.PDF) -> str:
    """The worker's half: render the stored source of `(content_hash, fmt)` and store the file
    (state ready). Idempotent: a ready row, or a row without a source, is left as it is. A render
    that raises marks the row failed with the reason. Returns the row's state (or "absent")."""
    row = RenderedDocument.objects.filter(content_hash=content_hash, fmt=fmt).first()
    if row is None:
        return "absent"
    if row.state == RenderState.READY or row.source is None:
        return row.state
    try:
        document = document_from_dict(row.source)
        data = _render_bytes(document, fmt)
    except Exception as exc:  # any renderer failure is recorded on the row, never lost in the worker log
        RenderedDocument.objects.filter(pk=row.pk, state=RenderState.RENDERING).update(
            state=RenderState.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return RenderState.FAILED
    return rendered_document_store(
        content_hash=content_hash, kind=row.kind, number=row.number, data=data, fmt=fmt
    ).state


def document_store_now(*, document: Document, fmt: str = DocumentFormat.PDF) -> bytes:
    """The file of `document` in `fmt`, rendered now when it is not stored yet (CLI exports and the
    worker's own tasks; web requests use `psdesk.branding.renditions.rendition_ask`)."""
    digest = content_hash(document)
    stored = rendered_document_get(content_hash=digest, fmt=fmt)
    if stored is not None:
        return stored
    data = _render_bytes(document, fmt)
    rendered_document_store(content_hash=digest, kind=document.kind, number=document.number, data=data, fmt=fmt)
    return data


def document_pdf(d: Document) -> bytes:
    """The PDF of `d`, from storage when this exact content (`content_hash`, vendor and logo included)
    was rendered before; otherwise rendered now and stored (CLI exports and worker tasks; a web
    request asks the worker instead: `psdesk.branding.renditions.rendition_ask`)."""
    return document_store_now(document=d)
