"""Worker tasks on the "documents" queue. They import downward: the estimate services enqueue them
after a version's content changed, never the other way round."""

from __future__ import annotations

from django.tasks import task

from psdesk.branding.document import content_hash
from psdesk.branding.services import document_store_now
from psdesk.estimates.exports import estimate_document
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.selectors import version_lines


@task(queue_name="documents")
def estimate_pdf_render_task(version_id: int) -> str:
    """Render the version's customer PDF as it is now and store it by content hash (nothing to do
    when that content is stored already); returns the content hash, or "" for a deleted version."""
    v = EstimateVersion.objects.select_related("engagement__account").filter(pk=version_id).first()
    if v is None:
        return ""
    d = estimate_document(v, version_lines(v))
    document_store_now(document=d)
    return content_hash(d)
