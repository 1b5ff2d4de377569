"""A SOW version's DOCX and PDF, rendered by the worker after the version is stored (never in a web
request). Each file is the customer document stored by its content hash (psdesk.branding
RenderedDocument); the version then names those files and their SHA-256 for good: what is released,
signed and sealed is exactly those bytes."""

from __future__ import annotations

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.branding.document import Document, content_hash
from psdesk.branding.models import DocumentFormat, RenderedDocument, RenderState
from psdesk.branding.services import document_store_now, rendered_document_get, rendered_document_store
from psdesk.core import clock
from psdesk.core.errors import NotFound
from psdesk.sows import document as doc
from psdesk.sows import rendering
from psdesk.sows.models import DocxTemplate, SowVersion
from psdesk.sows.services.common import sha256_of


class TemplateBroken(Exception):
    """An admin-uploaded DOCX template that docxtpl cannot render."""


def _docx_template() -> bytes | None:
    t = DocxTemplate.objects.filter(active=True).first()
    if t is None:
        return None
    with t.file.open("rb") as fh:
        return bytes(fh.read())


def _docx(v: SowVersion, d: Document) -> RenderedDocument:
    """The DOCX: the document standard, or the admin-uploaded docxtpl template (its SHA-256 is part
    of the stored file's key, so another template renders anew)."""
    template = _docx_template()
    key = (
        content_hash(d)
        if template is None
        else content_hash({"document": content_hash(d), "template": sha256_of(template)})
    )
    if rendered_document_get(content_hash=key, fmt=DocumentFormat.DOCX) is None:
        try:
            data = rendering.render_docx(v.content, d.sections, template=template, version=v.number)
        except Exception as exc:  # an admin-uploaded template docxtpl cannot render (bad Jinja, not a DOCX)
            if template is None:
                raise
            raise TemplateBroken(
                f"The uploaded DOCX template cannot be rendered ({type(exc).__name__}: {exc}); fix or deactivate it."
            ) from None
        rendered_document_store(content_hash=key, kind=d.kind, number=d.number, data=data, fmt=DocumentFormat.DOCX)
    return RenderedDocument.objects.get(content_hash=key, fmt=DocumentFormat.DOCX)


def sow_version_render(*, version_id: int) -> SowVersion:
    """Render version `version_id`'s DOCX and PDF (the worker's task), store them by content hash and
    name them on the version (render state ready). Idempotent: a ready version is returned as it is,
    and a concurrent render stores the same files once. A render that fails marks the version failed
    with the reason (an uploaded DOCX template that cannot render says so). Audited
    `sows.version_rendered` with both SHA-256. Raises NotFound for an unknown version."""
    v = SowVersion.objects.select_related("sow").filter(pk=version_id).first()
    if v is None:
        raise NotFound(f"SOW version {version_id} not found")
    if v.render_state == RenderState.READY:
        return v
    d = rendering.sow_document(v.content, doc.sections(v.content), version=v.number)
    try:
        docx = _docx(v, d)
        document_store_now(document=d, fmt=DocumentFormat.PDF)
        pdf = RenderedDocument.objects.get(content_hash=content_hash(d), fmt=DocumentFormat.PDF)
    except Exception as exc:  # recorded on the version and shown on its page; never lost in the worker log
        message = str(exc) if isinstance(exc, TemplateBroken) else f"{type(exc).__name__}: {exc}"
        SowVersion.objects.filter(pk=v.pk).exclude(render_state=RenderState.READY).update(
            render_state=RenderState.FAILED, render_error=message[:2000]
        )
        v.refresh_from_db()
        return v
    with transaction.atomic():
        done = (
            SowVersion.objects.filter(pk=v.pk)
            .exclude(render_state=RenderState.READY)
            .update(
                docx=docx.file.name,
                docx_sha256=docx.sha256,
                pdf=pdf.file.name,
                pdf_sha256=pdf.sha256,
                render_state=RenderState.READY,
                render_error="",
                rendered_at=clock.now(),
            )
        )
        if done:
            audit_record(
                verb="sows.version_rendered",
                actor=None,
                target=v.sow,
                after={"version": v.number, "docx_sha256": docx.sha256, "pdf_sha256": pdf.sha256},
            )
    v.refresh_from_db()
    return v
