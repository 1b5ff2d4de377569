"""The default email adapter: Django's mailer (`settings.MAILERS`): console in development, SMTP in
production. The idempotency key becomes the Message-ID (stable across redeliveries of one outbox
message), so receiving systems that de-duplicate by Message-ID drop a second copy; the SMTP relay
itself accepts both. With `html`, the message is multipart/alternative: the plain-text body first,
the HTML part second."""

from __future__ import annotations

import base64
import re
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.ports import Receipt

_NOT_IN_MSGID = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")


def message_id_for(idempotency_key: str, domain: str) -> str:
    """The Message-ID of the email with this outbox key: the same key always gives the same id
    (RFC 5322 `id-left` characters only; anything else becomes a dot)."""
    left = _NOT_IN_MSGID.sub(".", idempotency_key.replace(":", ".")).strip(".") or "psdesk"
    return f"<{left}@{domain}>"


class DjangoMailer:
    def __init__(self, *, using: str = "default", from_email: str = "", **_: Any) -> None:
        self.using = using
        self.from_email = from_email

    def send(
        self,
        *,
        to: list[str],
        subject: str,
        body: str,
        idempotency_key: str,
        cc: list[str] | None = None,
        attachments: list[dict[str, str]] | None = None,
        html: str | None = None,
    ) -> Receipt:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "psdesk.local"
        message_id = message_id_for(idempotency_key, domain)
        msg = EmailMultiAlternatives(
            subject=subject.replace("\n", " ")[:255],
            body=body,
            from_email=self.from_email or settings.DEFAULT_FROM_EMAIL,
            to=to,
            cc=cc or [],
            headers={"Message-ID": message_id, "X-PSDesk-Idempotency-Key": idempotency_key},
        )
        if html:
            msg.attach_alternative(html, "text/html")
        for a in attachments or []:
            msg.attach(a["filename"], base64.b64decode(a["content_b64"]), a.get("mimetype", "application/octet-stream"))
        try:
            msg.send(using=self.using)
        except smtplib.SMTPRecipientsRefused as exc:
            raise IntegrationError(f"SMTP refused recipients: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            raise IntegrationError(f"SMTP {exc.smtp_code}: {text}", permanent=500 <= exc.smtp_code < 600) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise IntegrationError(f"SMTP unreachable: {exc}", permanent=False) from exc
        return Receipt(external_id=message_id)
