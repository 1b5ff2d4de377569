"""Notifications the scheduling services send to the coordinators (the ps-scheduling group)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from psdesk.core.types import Actor
from psdesk.notifications.services import notify


def coordinators_notify(*, event: str, target: Any, actor: Actor | None = None, context: dict[str, Any]) -> None:
    """Notify every active ps-scheduling member of `event` on `target` (through the outbox, so
    delivery happens after commit; PubSec targets reach only PubSec members)."""
    coordinators = get_user_model().objects.filter(groups__name="ps-scheduling", is_active=True)
    notify(event=event, target=target, actor=actor, context=context, recipients=list(coordinators))
