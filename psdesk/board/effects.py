"""After-move effects of a board move that write other apps' rows inside the move's transaction
(listed at the call site, `psdesk.board.services.engagement_transition`).

The effects that start another move of a card (the automatic move to Approved) live beside the
transition service in `services.py`, because they call it.
"""

from __future__ import annotations

from psdesk.audit.transitions import Applied
from psdesk.core.workflow import MoveContext
from psdesk.engagements.choices import CLOSED_STATES, EngagementStatus
from psdesk.notifications.hooks import board_after_move
from psdesk.sla.services import sla_event, timer_pause, timer_resume, timers_cancel


def notify_board_moved(applied: Applied, ctx: MoveContext) -> None:
    """Emit `board.moved` to the owning EM and the account owner (an outbox row, sent after commit)."""
    board_after_move(applied, ctx)


def sla_after_move(applied: Applied, ctx: MoveContext) -> None:
    """Board moves drive the SLA timers: every move is an SLA event (`board.leave:<state>`,
    `board.enter:<state>`); On hold pauses the timers and resuming continues them; closing cancels them."""
    eng, source, target = applied.obj, applied.source, applied.target
    if target == EngagementStatus.ON_HOLD:
        timer_pause(target=eng)
        return
    if source == EngagementStatus.ON_HOLD and target not in CLOSED_STATES:
        timer_resume(target=eng)  # back to the column it left: the paused timers continue
        return
    if target in CLOSED_STATES:
        timers_cancel(target=eng)
        return
    sla_event(event=f"board.leave:{source}", target=eng)
    sla_event(event=f"board.enter:{target}", target=eng)
