"""Hooks other apps register so their changes notify (the board's after-move hook), and the
effects this app attaches to events (the GitLab issues mirror of an engagement)."""

from __future__ import annotations

from typing import Any

from psdesk.integrations.registry import adapter_name
from psdesk.notifications.routing import is_pubsec
from psdesk.notifications.selectors import outbox_external_id
from psdesk.notifications.services import effect_register, notify, outbox_enqueue


def board_after_move(applied: Any, ctx: Any) -> None:
    """After-move hook for psdesk.board.services: emit "board.moved" (in-app for the owning EM and
    account owner) inside the move's transaction."""
    obj = applied.obj
    states = dict(obj._meta.get_field("state").choices or [])
    notify(
        event="board.moved",
        target=obj,
        actor=ctx.actor,
        context={
            "source": states.get(applied.source, applied.source),
            "state": states.get(applied.target, applied.target),
            "state_value": applied.target,
            "action": applied.move.action,
            "reason": ctx.reason,
        },
    )


def work_tracking_mirror(*, target: Any, context: dict[str, Any], account: Any = None, **_: Any) -> None:
    """Queue an `issue_upsert` keeping the engagement's GitLab issue (title, description, labels with
    the column's `proposal::` label) in step. Only when a real work-tracking adapter is configured;
    never for PubSec engagements (the mirror project is not restricted to PubSec members)."""
    if adapter_name("work_tracking") == "builtin" or target is None:
        return
    if not (hasattr(target, "labels") and hasattr(target, "state")) or is_pubsec(target, account):
        return
    states = dict(target._meta.get_field("state").choices or [])
    state_label = str(states.get(context.get("state_value") or target.state, target.state))
    others = [n for n in target.labels.values_list("name", flat=True) if not n.startswith("proposal::")]
    iid = outbox_external_id(source=target, target="work_tracking", operation="issue_upsert")
    outbox_enqueue(
        target="work_tracking",
        operation="issue_upsert",
        source=target,
        payload={
            "ref": f"engagement-{target.pk}",
            "title": target.title,
            "description": target.description or target.title,
            "labels": sorted({*others, state_label}),
            "issue_iid": int(iid) if iid.isdigit() else None,
        },
    )


def effects_register() -> None:
    for event in ("engagement.created", "board.moved"):
        effect_register(event=event, fn=work_tracking_mirror)
