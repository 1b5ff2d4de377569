"""Worker tasks on the "documents" queue. They import downward: the estimate services (after a
version's content changed) and the workbook download (psdesk.estimates.documents) enqueue them,
never the other way round."""

from __future__ import annotations

from django.tasks import task

from psdesk.estimates.exports import estimate_pdf_store, estimate_xlsx_store
from psdesk.estimates.models import EstimateVersion


def _version(version_id: int) -> EstimateVersion | None:
    return EstimateVersion.objects.select_related("engagement__account").filter(pk=version_id).first()


@task(queue_name="documents")
def estimate_pdf_render_task(version_id: int) -> str:
    """The version's content changed: render its customer PDF and its customer workbook as it is
    now and store both (nothing to do for content stored already); returns the PDF's content hash,
    or "" for a deleted version."""
    v = _version(version_id)
    if v is None:
        return ""
    digest = estimate_pdf_store(v)
    estimate_xlsx_store(v, internal=False)
    return digest


@task(queue_name="documents")
def estimate_xlsx_render_task(version_id: int, internal: bool, asked: str) -> str:
    """Render one workbook variant of the version as it is now and store it; `asked` is the key the
    download waits on (marked failed when the version changed meanwhile). Returns the key stored."""
    v = _version(version_id)
    if v is None:
        from psdesk.branding.models import DocumentFormat  # noqa: PLC0415 — only for the deleted-version case
        from psdesk.branding.services import rendition_fail  # noqa: PLC0415 — only for the deleted-version case

        rendition_fail(content_hash=asked, fmt=DocumentFormat.XLSX, error="the estimate version was deleted")
        return ""
    return estimate_xlsx_store(v, internal=internal, asked=asked)
