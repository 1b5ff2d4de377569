"""Worker tasks on the "documents" queue. They import downward: the estimate services (after a
version's content changed) and the workbook download (psdesk.estimates.documents) enqueue them,
never the other way round."""

from __future__ import annotations

from django.tasks import task

from psdesk.branding.services import rendition_fail
from psdesk.estimates.exports import estimate_pdf_store, estimate_xlsx_store
from psdesk.estimates.models import EstimateVersion


def _version(version_id: int) -> EstimateVersion | None:
    return EstimateVersion.objects.select_related("engagement__account").filter(pk=version_id).first()


def _deleted(asked: str, fmt: str) -> None:
    if asked:
        rendition_fail(content_hash=asked, fmt=fmt, error="the estimate version was deleted")


@task(queue_name="documents")
def estimate_pdf_render_task(version_id: int, asked: str = "") -> str:
    """The version's content changed: render its customer PDF as it is now and store it (nothing to
    do for content stored already), then ask for its customer workbook (a task of its own, so the
    PDF is ready first); returns the PDF's content hash, or "" for a deleted version. `asked` is
    the fingerprint a download waits on (psdesk.estimates.documents)."""
    v = _version(version_id)
    if v is None:
        _deleted(asked, "pdf")
        return ""
    digest = estimate_pdf_store(v, asked=asked)
    estimate_xlsx_render_task.enqueue(version_id, False, "")  # in the worker: the PDF is stored already
    return digest


@task(queue_name="documents")
def estimate_xlsx_render_task(version_id: int, internal: bool, asked: str) -> str:
    """Render one workbook variant of the version as it is now and store it; `asked` is the key the
    download waits on (marked failed when the version changed meanwhile). Returns the key stored."""
    v = _version(version_id)
    if v is None:
        _deleted(asked, "xlsx")
        return ""
    return estimate_xlsx_store(v, internal=internal, asked=asked)
