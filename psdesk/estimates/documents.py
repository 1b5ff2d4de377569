"""The estimate downloads' request side: a web request never builds the workbook or the PDF. It
computes the version's document fingerprint (cheap) and serves the stored file, or answers
"rendering…" (page 202 / API 409) with the worker asked to render it (psdesk.estimates.tasks)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from psdesk.branding.models import DocumentFormat
from psdesk.branding.services import Rendition, rendition_slot_request
from psdesk.estimates import tasks
from psdesk.estimates.exports import XLSX, XLSX_INTERNAL, document_fingerprint, estimate_pdf_known, xlsx_kind
from psdesk.estimates.models import EstimateVersion


def estimate_pdf_rendition(version: EstimateVersion) -> Rendition:
    """The stored customer PDF of the version as it is now (its fingerprint names the content hash
    the worker stored), or state rendering with the worker asked to render it — under the
    fingerprint, which the worker completes as that file. Never builds the Document."""
    fingerprint, known = estimate_pdf_known(version)
    if known is not None:
        return known
    with transaction.atomic():
        rendition, enqueue = rendition_slot_request(
            content_hash=fingerprint,
            fmt=DocumentFormat.PDF,
            kind="Estimate",
            number=f"EST-{version.engagement_id}",
            reask_after_seconds=settings.PSDESK_RENDER_REASK_AFTER_SECONDS,
        )
        if enqueue:
            vid = version.pk
            transaction.on_commit(lambda: tasks.estimate_pdf_render_task.enqueue(vid, fingerprint), robust=True)
    return rendition


def estimate_xlsx_rendition(version: EstimateVersion, *, internal: bool) -> Rendition:
    """The stored workbook (customer or internal variant) of the version as it is now, or state
    rendering with the worker asked to render it (after commit). The workbook is stored under its
    fingerprint, so a change of anything it shows gives a new key and never the old file."""
    key = document_fingerprint(version, variant=XLSX_INTERNAL if internal else XLSX)
    with transaction.atomic():
        rendition, enqueue = rendition_slot_request(
            content_hash=key,
            fmt=DocumentFormat.XLSX,
            kind=xlsx_kind(internal),
            number=f"EST-{version.engagement_id}-v{version.number}",
            reask_after_seconds=settings.PSDESK_RENDER_REASK_AFTER_SECONDS,
        )
        if enqueue:
            vid = version.pk
            transaction.on_commit(lambda: tasks.estimate_xlsx_render_task.enqueue(vid, internal, key), robust=True)
    return rendition
