"""Hooks other apps register so their changes notify (e.g. the board's after-move hook)."""

from __future__ import annotations

from typing import Any

from psdesk.notifications.services import notify


def board_after_move(applied: Any, ctx: Any) -> None:
    """After-move hook for psdesk.board.services: emit "board.moved" (in-app for the owning EM and
    account owner) inside the move's transaction."""
    obj = applied.obj
    states = dict(type(obj)._meta.get_field("state").choices or [])
    notify(
        event="board.moved",
        target=obj,
        actor=ctx.actor,
        context={
            "source": states.get(applied.source, applied.source),
            "state": states.get(applied.target, applied.target),
            "action": applied.move.action,
            "reason": ctx.reason,
        },
    )
