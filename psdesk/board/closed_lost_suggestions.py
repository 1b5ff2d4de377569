"""Closed Lost suggestions: the daily sweep that suggests Closed Lost for quiet cards, and the EM's
answer to one (confirm: the card closes lost; dismiss: its activity clock restarts)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.board.models import ClosedLostSuggestion, SuggestionStatus
from psdesk.board.policy import board_policy_get
from psdesk.board.services import engagement_transition
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, PermissionDenied
from psdesk.core.types import Actor
from psdesk.engagements.choices import CLOSED_STATES
from psdesk.engagements.models import Engagement
from psdesk.notifications.services import notify


def closed_lost_suggestions_sweep(*, now: datetime | None = None) -> int:
    """Suggest Closed Lost for every open card idle longer than the policy (once per idle spell:
    a dismissed suggestion counts only until new activity). Notifies the card's EM. Idempotent.
    Returns how many suggestions were made."""
    now = now or clock.now()
    days = board_policy_get().stale_days
    cutoff = now - timedelta(days=days)
    quiet = (
        Engagement.objects.exclude(state__in=CLOSED_STATES)
        .filter(last_activity_at__lt=cutoff)
        .select_related("account", "em")
    )
    made = 0
    for eng in quiet.iterator(chunk_size=500):
        with transaction.atomic():
            already = ClosedLostSuggestion.objects.filter(engagement=eng, idle_since=eng.last_activity_at).exists()
            if already or ClosedLostSuggestion.objects.filter(engagement=eng, status=SuggestionStatus.OPEN).exists():
                continue
            s = ClosedLostSuggestion.objects.create(engagement=eng, suggested_at=now, idle_since=eng.last_activity_at)
            audit_record(verb="board.closed_lost_suggested", target=eng, after={"suggestion": s.pk, "idle_days": days})
            notify(
                event="engagement.stale",
                target=eng,
                context={"days": days},
                recipients=[eng.em] if eng.em else [],
                account=eng.account,
            )
            made += 1
    return made


def closed_lost_suggestion_decide(
    *, suggestion_id: int, actor: Actor, confirm: bool, reason: str = ""
) -> ClosedLostSuggestion:
    """Confirm (the card moves to Closed Lost through the transition service) or dismiss (the card is
    still active; its activity clock restarts). Needs the close permission. Raises NotFound,
    PermissionDenied, Conflict (already decided) or TransitionNotAllowed."""
    if not actor.has_perm("engagements.close_engagement"):
        raise PermissionDenied("Only engagement managers and Deal Desk decide Closed Lost suggestions.")
    with transaction.atomic():
        s = (
            ClosedLostSuggestion.objects.select_for_update(of=("self",))
            .filter(pk=suggestion_id, engagement__in=Engagement.objects.visible_to(actor))
            .first()
        )
        if s is None:
            raise NotFound(f"suggestion {suggestion_id} not found")
        if s.status != SuggestionStatus.OPEN:
            raise Conflict(f"This suggestion was already {s.get_status_display().lower()}.")
        now = clock.now()
        if confirm:
            days = (now - s.idle_since).days
            engagement_transition(
                engagement_id=s.engagement_id,
                action="close_lost",
                actor=actor,
                reason=reason.strip() or f"No activity for {days} days",
            )
        else:
            Engagement.objects.filter(pk=s.engagement_id).update(last_activity_at=now)
            audit_record(verb="board.closed_lost_dismissed", actor=actor, target=s.engagement, reason=reason)
        s.status = SuggestionStatus.CONFIRMED if confirm else SuggestionStatus.DISMISSED
        s.decided_by, s.decided_at = actor, now
        s.save(update_fields=["status", "decided_by", "decided_at"])
        return s
