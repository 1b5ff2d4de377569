"""Asking the worker to render a customer document (the "documents" queue, after commit). A web
request never renders: it builds the Document (cheap), looks its content hash up, and either serves
the stored file or answers "rendering…" while the worker renders exactly that content."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from psdesk.branding import tasks
from psdesk.branding.document import Document
from psdesk.branding.models import DocumentFormat, RenderedDocument, RenderState
from psdesk.branding.services import Rendition, rendition_request
from psdesk.core import clock


def render_enqueue(*, content_hash: str, fmt: str) -> None:
    """Enqueue the render of `(content_hash, fmt)` once the current transaction commits."""
    transaction.on_commit(lambda: tasks.document_render_task.enqueue(content_hash, fmt), robust=True)


def renditions_reask(*, older_than: timedelta) -> int:
    """Ask the worker again for every document still rendering whose last request is older than
    `older_than` (its task was lost); returns how many. Rendering is idempotent by content hash."""
    cutoff = clock.now() - older_than
    stuck = list(
        RenderedDocument.objects.filter(
            state=RenderState.RENDERING, requested_at__lt=cutoff, source__isnull=False
        ).values_list("pk", "content_hash", "fmt")
    )
    with transaction.atomic():
        RenderedDocument.objects.filter(pk__in=[pk for pk, _, _ in stuck]).update(requested_at=clock.now())
        for _, digest, fmt in stuck:
            render_enqueue(content_hash=digest, fmt=fmt)
    return len(stuck)


def rendition_ask(*, document: Document, fmt: str = DocumentFormat.PDF) -> Rendition:
    """The stored rendering of `document` (state ready, with its bytes), or state rendering with the
    worker asked to render it (or failed, with the reason, until asked again)."""
    with transaction.atomic():
        rendition, enqueue = rendition_request(document=document, fmt=fmt)
        if enqueue:
            render_enqueue(content_hash=rendition.content_hash, fmt=fmt)
    return rendition
