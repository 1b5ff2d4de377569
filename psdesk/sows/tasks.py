"""Worker tasks on the "documents" queue. They import downward: the services that store a version
import this module to enqueue, never the other way round."""

from __future__ import annotations

from django.tasks import task

from psdesk.sows.services.documents import sow_version_render


@task(queue_name="documents")
def sow_version_render_task(version_id: int) -> str:
    """Render one SOW version's DOCX and PDF and name them on the version; returns its render state."""
    return sow_version_render(version_id=version_id).render_state
