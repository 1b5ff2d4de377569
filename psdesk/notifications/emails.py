"""Emails a person can read: every message is rendered from a pair of Django templates under
`templates/notifications/email/` — `<name>.txt` (the plain-text part) and `<name>.html` (the HTML
alternative, extending `base.html`) — and carries a link to its object on PSDESK_SITE_URL.

    email = email_render(name="notification", context={...}, subject="...")
    outbox_enqueue(target="email", operation="send", payload={"to": [...], **email.payload()})
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.template import Context, Template
from django.template.loader import get_template
from django.urls import reverse

from psdesk.branding.models import VendorProfile
from psdesk.branding.selectors import vendor_profile_get
from psdesk.notifications.links import site_url

_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str

    def payload(self) -> dict[str, str]:
        """The email port's `subject`, `body` (plain text) and `html` arguments."""
        return {"subject": self.subject, "body": self.text, "html": self.html}


class EmailRenderer:
    """Renders many emails from one template pair: the templates, the vendor profile and the
    preferences link are looked up once (a sweep sends thousands), and both parts of every email
    are rendered from one template Context holding the profile's values, with each email's own
    values pushed on top and popped again. `render()` gives exactly what `email_render()` gives
    for the same arguments. Raises TemplateDoesNotExist for an unknown name."""

    def __init__(self, *, name: str, profile: VendorProfile | None = None) -> None:
        profile = profile or vendor_profile_get()
        # the engine's own templates: the backend wrapper would build a new Context per part
        self._text: Template = get_template(f"notifications/email/{name}.txt").template  # type: ignore[attr-defined]
        self._html: Template = get_template(f"notifications/email/{name}.html").template  # type: ignore[attr-defined]
        self._context = Context(
            {
                "brand": profile.brand_name or profile.legal_name,
                "vendor": profile.legal_name,
                "brand_colour": profile.brand_colour,
                "vendor_footer": profile.footer_text or profile.legal_name,
                "preferences_url": site_url(reverse("notifications:preferences")),
            },
            autoescape=self._html.engine.autoescape,
        )

    def render(self, *, subject: str, context: dict[str, Any]) -> RenderedEmail:
        with self._context.push({**context, "subject": subject}):
            text = _BLANK_LINES.sub("\n\n", str(self._text.render(self._context))).strip()
            html = str(self._html.render(self._context))
        return RenderedEmail(subject=" ".join(subject.split())[:255], text=text + "\n", html=html)


def email_render(
    *, name: str, subject: str, context: dict[str, Any], profile: VendorProfile | None = None
) -> RenderedEmail:
    """Render `notifications/email/<name>.txt` and `.html` with `context` plus `subject`, the vendor
    profile's `brand` (short name), `vendor` (legal name), `brand_colour`, `vendor_footer`, and
    `preferences_url`. A caller rendering many emails uses one `EmailRenderer`. Raises
    TemplateDoesNotExist for an unknown name."""
    return EmailRenderer(name=name, profile=profile).render(subject=subject, context=context)
