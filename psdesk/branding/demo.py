"""Demo vendor profile: GitLab Inc. with an address, a logo, a brand colour and Rita as the signatory."""

from __future__ import annotations

from django.core.files.base import ContentFile

from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.demo import DemoContext

LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="64" viewBox="0 0 240 64">'
    '<path d="M32 58 L6 38 L12 8 L20 30 L44 30 L52 8 L58 38 Z" fill="#FC6D26"/>'
    '<text x="72" y="42" font-family="DejaVu Sans, sans-serif" font-size="30" font-weight="bold" '
    'fill="#292961">GitLab</text></svg>'
)


def load(ctx: DemoContext) -> None:
    p = vendor_profile_get()
    p.legal_name = "GitLab Inc."
    p.brand_name = "GitLab"
    p.address = "268 Bush Street #350\nSan Francisco, CA 94104\nUnited States"
    p.brand_colour = "#292961"
    p.signatory_name = "Rita Ramos"
    p.signatory_title = "VP Revenue Accounting"
    p.signatory_email = "rita@psdesk.example"
    p.footer_text = "GitLab Inc. \u00b7 Confidential"
    p.default_currency = "USD"
    if not p.logo:
        p.logo.save("gitlab-logo.svg", ContentFile(LOGO_SVG.encode()), save=False)
    p.save()
