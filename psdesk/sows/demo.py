"""Demo SOWs. Engagements are moved by the board demo (above this app), which calls `sow_demo`
before submitting a card for approval so the SOW guards pass honestly: a real version generated
from the customer-agreed estimate, and the account-team/customer review recorded on it."""

from __future__ import annotations

from typing import Any

from psdesk.core.demo import DemoContext
from psdesk.core.types import Actor
from psdesk.integrations.esign.builtin import dev_keypair_ensure
from psdesk.sows.models import SowVersion
from psdesk.sows.services import sow_generate, sow_review_record, sow_version_render


def load(ctx: DemoContext) -> None:
    """The development seal for executed SOWs (a self-signed key and certificate under var/esign/,
    unless PSDESK_ESIGN_KEY_FILE/CERT_FILE name real ones). SOWs themselves: see `sow_demo`."""
    dev_keypair_ensure(common_name="GitLab Inc. document seal (development)")


def sow_demo(engagement: Any, *, actor: Actor) -> SowVersion:
    """v1 of the engagement's SOW from its agreed estimate, reviewed by the account team and customer.
    Its DOCX and PDF are rendered here (the demo is a command, not a web request), so the loaded demo
    has them stored; the worker's render task then finds them ready."""
    v = sow_generate(engagement_id=engagement.pk, actor=actor)
    v = sow_version_render(version_id=v.pk)
    sow_review_record(sow_id=v.sow_id, actor=actor, note="Reviewed with the account team and the customer (demo)")
    return v
