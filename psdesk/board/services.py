"""Applying board moves. Every caller (drag-and-drop, keyboard, REST, admin, CLI) uses
`engagement_transition`."""

from __future__ import annotations

from typing import Any

from psdesk.audit.transitions import AfterHook, Applied, transition_apply, transition_apply_to_state
from psdesk.board.workflow import ENGAGEMENT_WORKFLOW
from psdesk.core import clock
from psdesk.core.types import Actor
from psdesk.core.workflow import Move
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.models import Engagement

# Effects run inside the transaction after a move (SLA timers, outbox rows); features register here.
AFTER_MOVE_HOOKS: list[AfterHook] = []


def register_after_move(hook: AfterHook) -> None:
    if hook not in AFTER_MOVE_HOOKS:
        AFTER_MOVE_HOOKS.append(hook)


def _before_save(eng: Any, move: Move, source: str, target: str) -> dict[str, Any]:
    now = clock.now()
    extra: dict[str, Any] = {"state_changed_at": now, "last_activity_at": now}
    if target == EngagementStatus.ON_HOLD:
        extra["state_before_hold"] = source
    elif source == EngagementStatus.ON_HOLD:
        extra["state_before_hold"] = ""
    return extra


def engagement_transition(
    *,
    engagement_id: int,
    action: str,
    actor: Actor | None,
    reason: str = "",
    expected_version: int | None = None,
    system: bool = False,
    data: dict[str, Any] | None = None,
) -> Applied:
    """Move one engagement. Raises BadRequest (unknown action), NotFound (absent or not visible),
    Conflict (stale version) or TransitionNotAllowed (guard refused, with the reason)."""
    qs = Engagement.objects.all() if system else Engagement.objects.visible_to(actor)
    return transition_apply(
        workflow=ENGAGEMENT_WORKFLOW,
        queryset=qs.select_related("account", "opportunity", "em"),
        pk=engagement_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        data=data,
        system=system,
        before_save=_before_save,
        after=list(AFTER_MOVE_HOOKS),
    )


def engagement_move_to_column(
    *, engagement_id: int, target_state: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> Applied:
    """Drag-and-drop: find the move from the card's column to `target_state` and apply it."""
    return transition_apply_to_state(
        workflow=ENGAGEMENT_WORKFLOW,
        queryset=Engagement.objects.visible_to(actor),
        pk=engagement_id,
        target=target_state,
        target_noun="column",
        apply=lambda action: engagement_transition(
            engagement_id=engagement_id, action=action, actor=actor, reason=reason, expected_version=expected_version
        ),
    )
