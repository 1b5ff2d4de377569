"""Helpers shared by the SOW services: the edit permission, the draft-only check, the row lock, the
SOW workflow move and the notifications (the EM and account team; Legal when a SOW waits for the
stamp; the vendor signatories when it waits for the countersignature). Not part of the public API."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse

from psdesk.audit.transitions import Applied, transition_apply
from psdesk.core.errors import Conflict, NotFound
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.engagements.choices import EngagementStatus
from psdesk.notifications.services import notify
from psdesk.sows.choices import SowStatus
from psdesk.sows.models import Sow
from psdesk.sows.workflow import SOW_WORKFLOW

EDIT = "sows.edit_sow"
FROZEN_STATES = (EngagementStatus.APPROVED, EngagementStatus.CLOSED_WON, EngagementStatus.CLOSED_LOST)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sow_page(sow: Sow) -> str:
    """The path of the SOW page of the engagement (stamp, release, signatures)."""
    return reverse("sows:engagement", args=[sow.engagement_id])


def sow_notify(*, sow: Sow, event: str, actor: Actor | None, context: dict[str, Any]) -> None:
    """Notify the EM and the account team (opportunity owner) about a SOW event, except the actor.
    The notification links to the SOW page."""
    eng = sow.engagement
    people = [eng.em, eng.opportunity.owner if eng.opportunity_id and eng.opportunity else None]
    recipients = [p for p in people if p is not None and getattr(actor, "pk", None) != p.pk]
    notify(
        event=event,
        target=eng,
        actor=actor,
        context=context,
        recipients=recipients,
        account=eng.account,
        link=sow_page(sow),
    )


def holders_of(permission: str) -> list[User]:
    """Active users holding `permission` through a role or directly (superusers by role only)."""
    # The model backend knows roles and permissions (the login-throttling backend knows neither).
    users = User.objects.with_perm(
        permission, include_superusers=False, backend="django.contrib.auth.backends.ModelBackend"
    )
    return list(users.order_by("username"))


def sow_role_notify(*, sow: Sow, event: str, permission: str, actor: Actor | None, context: dict[str, Any]) -> None:
    """Tell the holders of `permission` (Legal: `sows.stamp_sow`; the vendor signatories:
    `sows.countersign_sow`) that the SOW waits for them, linking to its SOW page. Only them: not
    the owning EM or account team, who hear of the move itself. PubSec SOWs reach PubSec members only."""
    eng = sow.engagement
    version = sow.current.number if sow.current is not None else ""
    notify(
        event=event,
        target=eng,
        actor=actor,
        context={"sow": sow.number, "version": version, **context},
        recipients=holders_of(permission),
        account=eng.account,
        link=sow_page(sow),
        owners=False,
    )


def sow_stamp_request_on_approval(applied: Applied, ctx: MoveContext) -> None:
    """After-move effect of the board (listed in `board.services.engagement_transition`): when an
    engagement reaches Approved and its SOW is a draft, Legal is told it waits for the stamp
    (`sow.awaiting_stamp`), inside the move's transaction."""
    if applied.target != EngagementStatus.APPROVED:
        return
    sow = Sow.objects.select_related("current", "engagement__account").filter(engagement_id=applied.obj.pk).first()
    if sow is None or sow.status != SowStatus.DRAFT:
        return
    sow_role_notify(sow=sow, event="sow.awaiting_stamp", permission="sows.stamp_sow", actor=ctx.actor, context={})


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
