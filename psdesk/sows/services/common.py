"""Helpers shared by the SOW services: the edit permission, the draft-only check, the row lock, the
SOW workflow move and the notification of the EM and account team. Not part of the public API."""

from __future__ import annotations

import hashlib
from typing import Any

from psdesk.audit.transitions import Applied, transition_apply
from psdesk.core.errors import Conflict, NotFound
from psdesk.core.types import Actor
from psdesk.engagements.choices import EngagementStatus
from psdesk.notifications.services import notify
from psdesk.sows.choices import SowStatus
from psdesk.sows.models import Sow
from psdesk.sows.workflow import SOW_WORKFLOW

EDIT = "sows.edit_sow"
FROZEN_STATES = (EngagementStatus.APPROVED, EngagementStatus.CLOSED_WON, EngagementStatus.CLOSED_LOST)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sow_notify(*, sow: Sow, event: str, actor: Actor, context: dict[str, Any]) -> None:
    """Notify the EM and the account team (opportunity owner) about a SOW event, except the actor."""
    eng = sow.engagement
    people = [eng.em, eng.opportunity.owner if eng.opportunity_id and eng.opportunity else None]
    recipients = [p for p in people if p is not None and getattr(actor, "pk", None) != p.pk]
    notify(event=event, target=eng, actor=actor, context=context, recipients=recipients, account=eng.account)


def sow_require_editable(sow: Sow) -> None:
    """Content changes only while the SOW is a draft; an executed SOW is immutable (Conflict otherwise)."""
    if sow.status == SowStatus.EXECUTED:
        raise Conflict("An executed SOW is immutable.", code="sow_executed")
    if sow.status != SowStatus.DRAFT:
        raise Conflict(
            f"The SOW is {sow.get_status_display().lower()}; its content can no longer change.", code="sow_locked"
        )
    if sow.engagement.state in FROZEN_STATES:
        # What Legal stamps must be what PS Leadership and Revenue approved: no new version after Approved.
        raise Conflict(
            "The SOW is approved; its content is frozen for the legal stamp and signatures.", code="sow_locked"
        )


def sow_lock(*, actor: Actor, sow_id: int) -> Sow:
    """The SOW row locked for update (inside the caller's transaction), or NotFound when not visible."""
    sow = (
        Sow.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("engagement", "engagement__account", "current")
        .filter(pk=sow_id)
        .first()
    )
    if sow is None:
        raise NotFound(f"SOW {sow_id} not found")
    return sow


def sow_move(*, sow_id: int, action: str, actor: Actor, before_save: Any = None, after: Any = ()) -> Applied:
    """Apply one `SOW_WORKFLOW` move (lock, guard, audit row) through `transition_apply`."""
    return transition_apply(
        workflow=SOW_WORKFLOW,
        queryset=Sow.objects.visible_to(actor).select_related(
            "engagement", "engagement__account", "engagement__em", "engagement__opportunity", "current"
        ),
        pk=sow_id,
        action=action,
        actor=actor,
        before_save=before_save,
        after=after,
    )
