from __future__ import annotations

from psdesk.integrations.fakes import FakeTarget
from psdesk.integrations.ports import Receipt


class FakeMailer(FakeTarget):
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
        files = [a["filename"] for a in attachments or []]
        return self._take(
            "send", idempotency_key, to=to, cc=cc or [], subject=subject, body=body, html=html or "", files=files
        )
