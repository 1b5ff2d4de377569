"""Worker tasks on the "documents" queue: rendering customer documents off the request path. They
import downward: `psdesk.branding.renditions` enqueues them, never the other way round."""

from __future__ import annotations

from django.tasks import task

from psdesk.branding.services import document_render


@task(queue_name="documents")
def document_render_task(content_hash: str, fmt: str) -> str:
    """Render the stored source of one document in one format and store the file; returns the state."""
    return document_render(content_hash=content_hash, fmt=fmt)
