"""Board guards contributed by scoping (added to the engagement workflow in psdesk/board/workflow.py)."""

from __future__ import annotations

from typing import Any

from psdesk.scoping.selectors import ssot_missing_required


def ssot_required_answered_refusal(eng: Any, ctx: Any) -> str | None:
    """Awaiting Discovery → Strawman WIP: every required SSOT row must be answered (not "to-do").
    The refusal lists the questions still open. Engagements without an SSOT table pass."""
    missing = ssot_missing_required(engagement=eng.pk)
    if not missing:
        return None
    return f"Answer the required scoping questions first ({len(missing)} open): " + "; ".join(missing) + "."
