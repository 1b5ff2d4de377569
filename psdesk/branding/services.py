from __future__ import annotations

from typing import Any

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.branding.models import VendorProfile
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
