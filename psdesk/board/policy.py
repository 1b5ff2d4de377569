"""The board policy row (admin-editable), read by the quiet-card sweep and the approval sequence."""

from __future__ import annotations

from psdesk.board.models import BoardPolicy


def board_policy_get() -> BoardPolicy:
    """The single policy row (created with the defaults if an admin deleted it)."""
    policy = BoardPolicy.objects.order_by("id").first()
    return policy if policy is not None else BoardPolicy.objects.create()
