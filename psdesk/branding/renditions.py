"""Asking the worker to render a customer document (the "documents" queue, after commit). A web
request never renders: it builds the Document (cheap), looks its content hash up, and either serves
the stored file or answers "rendering…" while the worker renders exactly that content."""

from __future__ import annotations

from django.db import transaction

from psdesk.branding import tasks
from psdesk.branding.document import Document
from psdesk.branding.models import DocumentFormat
from psdesk.branding.services import Rendition, rendition_request


def render_enqueue(*, content_hash: str, fmt: str) -> None:
    """Enqueue the render of `(content_hash, fmt)` once the current transaction commits."""
    transaction.on_commit(lambda: tasks.document_render_task.enqueue(content_hash, fmt), robust=True)


def rendition_ask(*, document: Document, fmt: str = DocumentFormat.PDF) -> Rendition:
    """The stored rendering of `document` (state ready, with its bytes), or state rendering with the
    worker asked to render it (or failed, with the reason, until asked again)."""
    with transaction.atomic():
        rendition, enqueue = rendition_request(document=document, fmt=fmt)
        if enqueue:
            render_enqueue(content_hash=rendition.content_hash, fmt=fmt)
    return rendition
