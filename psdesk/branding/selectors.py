from __future__ import annotations

import base64
import mimetypes

from psdesk.branding.document import Vendor
from psdesk.branding.models import VendorProfile


def vendor_profile_get() -> VendorProfile:
    """The vendor profile row (created with the defaults when absent)."""
    profile = VendorProfile.objects.order_by("id").first()
    return profile if profile is not None else VendorProfile.objects.create()


def _logo_data_uri(profile: VendorProfile) -> str:
    if not profile.logo:
        return ""
    try:
        with profile.logo.open("rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    mime = mimetypes.guess_type(profile.logo.name or "")[0] or "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def vendor_get() -> Vendor:
    """The vendor as the document builder sees it (plain values, the logo inlined as a data URI)."""
    p = vendor_profile_get()
    return Vendor(
        legal_name=p.legal_name,
        brand_name=p.brand_name or p.legal_name,
        address_lines=tuple(p.address_lines),
        logo_data_uri=_logo_data_uri(p),
        brand_colour=p.brand_colour,
        signatory_name=p.signatory_name,
        signatory_title=p.signatory_title,
        signatory_email=p.signatory_email,
        footer_text=p.footer_text,
        default_currency=p.default_currency,
    )
