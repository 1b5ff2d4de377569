from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from psdesk.audit.services import audit_record
from psdesk.branding.models import RenderedDocument, VendorProfile
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


def rendered_document_get(*, content_hash: str) -> bytes | None:
    """The stored PDF for `content_hash`, or None (also when the file is missing or its SHA-256 differs)."""
    row = RenderedDocument.objects.filter(content_hash=content_hash).first()
    if row is None:
        return None
    try:
        with row.pdf.open("rb") as fh:
            data = bytes(fh.read())
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == row.pdf_sha256 else None


def rendered_document_store(*, content_hash: str, kind: str, number: str, data: bytes) -> None:
    """Store a rendered PDF under its content hash (a concurrent store of the same content wins;
    a stale row whose file is gone is replaced)."""
    digest = hashlib.sha256(data).hexdigest()
    RenderedDocument.objects.filter(content_hash=content_hash).delete()
    row = RenderedDocument(content_hash=content_hash, kind=kind[:60], number=number[:60], pdf_sha256=digest)
    row.pdf.save(f"documents/{content_hash}.pdf", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        pass  # the same content was stored by another request meanwhile
