"""Opportunity stages: the single definition of who may move an
opportunity's stage where.

- Forward moves (`forward_to_<stage>`): the owner or an account-team member with
  `crm.move_opportunity`; people with `crm.manage_opportunity` (sales managers, Deal Desk) may move
  anyone's opportunity.
- Backward moves (`back_to_<stage>`): only with `crm.revert_opportunity` (sales manager) and a reason.
- Closed Won / Closed Lost / Unqualified / Duplicate are terminal: no move leaves them.

Closed Won extension point: `CLOSE_WON_PATHS`. A booking path (registered from the AppConfig.ready
of an app above crm — crm may not import them) looks at an opportunity and answers None ("does not
apply here") or a `BookingVerdict` (applies; `refusal` None when its paperwork is complete). Closed
Won is allowed when an applicable path is complete and no *required* path is incomplete: a path
marks its verdict `required` when what it covers must be booked its own way whatever else is signed
(an open custom engagement closes won only with its executed SOW, never on a signed order form).
A refused required verdict names its `blockers` — the objects in the way and what a person may do
about each (the opportunity page offers those actions). A PS-only opportunity to which no path
applies (no live quote, no engagement) is refused with `CUSTOM_ENGAGEMENT_REFUSAL`. The registered
paths (docs/process.md, Closed won):
  - quotes, "standard order form": applies when the opportunity has a live quote; complete when its
    primary quote is signed.
  - sows, "custom SOW": applies when the opportunity carries an open engagement (or a billable
    event); complete with the executed SOW, its cost estimate and a PO number or "no PO required";
    required while an open engagement sits on the opportunity.
Plain AND-guards can still be added with `CRM_WORKFLOW.add_guard("close_won", guard)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.crm.choices import OPEN_STAGES, OpportunityStage, RecordType

St = OpportunityStage
MOVE = "crm.move_opportunity"
REVERT = "crm.revert_opportunity"
CUSTOM_ENGAGEMENT_REFUSAL = (
    "Closed Won needs a signed order form (from a quote) or, for a custom engagement, an executed SOW "
    "on its engagement; this opportunity has no live quote and no engagement."
)


@dataclass(frozen=True)
class BlockerAction:
    """Something a person may do about a blocker: a form posting to `url` (with a reason when asked)."""

    label: str
    url: str
    needs_reason: bool = False


@dataclass(frozen=True)
class Blocker:
    """An object that keeps an opportunity from closing won, with the actions that clear it."""

    label: str
    url: str
    actions: tuple[BlockerAction, ...] = ()


@dataclass(frozen=True)
class BookingVerdict:
    """A booking path's answer for one opportunity: `refusal` None when its paperwork is complete;
    `required` when it must be complete whatever other path is; `blockers` what stands in its way."""

    path: str
    refusal: str | None = None
    required: bool = False
    blockers: tuple[Blocker, ...] = ()


BookingPath = Callable[[Any, MoveContext], BookingVerdict | None]
CLOSE_WON_PATHS: list[BookingPath] = []


def register_close_won_path(path: BookingPath) -> None:
    """Extension point: add a way an opportunity's paperwork can be complete (idempotent)."""
    if path not in CLOSE_WON_PATHS:
        CLOSE_WON_PATHS.append(path)


def owner_or_team_or_manager_refusal(opp: Any, ctx: MoveContext) -> str | None:
    """Owners (and their account team) move their own opportunities; managers move any."""
    actor = ctx.actor
    if ctx.system or actor is None:
        return None
    if actor.has_perm("crm.manage_opportunity") or opp.owner_id == actor.pk:
        return None
    if opp.account_team.filter(pk=actor.pk).exists():
        return None
    return "Only the opportunity owner, its account team or a manager may move this opportunity."


def booking_verdicts(opp: Any, ctx: MoveContext) -> list[BookingVerdict]:
    """The verdict of every registered booking path that applies to the opportunity."""
    return [v for path in CLOSE_WON_PATHS if (v := path(opp, ctx)) is not None]


def close_won_blockers(opp: Any, ctx: MoveContext) -> list[Blocker]:
    """What keeps the opportunity from closing won through a required path, with the actions offered."""
    return [b for v in booking_verdicts(opp, ctx) if v.required and v.refusal for b in v.blockers]


def booking_paperwork_complete_refusal(opp: Any, ctx: MoveContext) -> str | None:
    """Closed Won needs complete booking paperwork: a registered path that applies and is complete,
    and no required path (an open custom engagement) left incomplete — a signed order form never
    closes a custom engagement won."""
    verdicts = booking_verdicts(opp, ctx)
    required = [v for v in verdicts if v.required and v.refusal]
    if required:
        return required[0].refusal
    if any(v.refusal is None for v in verdicts):
        return None
    if verdicts:
        return verdicts[0].refusal
    if opp.record_type == RecordType.PS_ONLY:
        return CUSTOM_ENGAGEMENT_REFUSAL
    return None


def _label(stage: str) -> str:
    return dict(St.choices)[stage]


def _moves() -> list[Move]:
    moves: list[Move] = []
    for i, stage in enumerate(OPEN_STAGES):
        earlier, later = OPEN_STAGES[:i], OPEN_STAGES[i + 1 :]
        if earlier:
            moves.append(
                Move(
                    action=f"forward_to_{stage}",
                    sources=frozenset(earlier),
                    target=stage,
                    label=f"Move to {_label(stage)}",
                    permission=MOVE,
                    guards=[owner_or_team_or_manager_refusal],
                )
            )
        if later:
            moves.append(
                Move(
                    action=f"back_to_{stage}",
                    sources=frozenset(later),
                    target=stage,
                    label=f"Back to {_label(stage)}",
                    permission=REVERT,
                    needs_reason=True,
                )
            )
    opened = frozenset(OPEN_STAGES)
    moves += [
        Move(
            action="close_won",
            sources=opened,
            target=St.CLOSED_WON,
            label="Close won",
            permission=MOVE,
            guards=[owner_or_team_or_manager_refusal, booking_paperwork_complete_refusal],
        ),
        Move(
            action="close_lost",
            sources=opened,
            target=St.CLOSED_LOST,
            label="Close lost",
            permission=MOVE,
            needs_reason=True,
            guards=[owner_or_team_or_manager_refusal],
        ),
        Move(
            action="unqualify",
            sources=opened,
            target=St.UNQUALIFIED,
            label="Unqualified",
            permission=MOVE,
            needs_reason=True,
            guards=[owner_or_team_or_manager_refusal],
        ),
        Move(
            action="mark_duplicate",
            sources=opened,
            target=St.DUPLICATE,
            label="Duplicate",
            permission=MOVE,
            needs_reason=True,
            guards=[owner_or_team_or_manager_refusal],
        ),
    ]
    return moves


CRM_WORKFLOW = Workflow(
    "crm_opportunity",
    field="stage",
    states=St.choices,
    moves=_moves(),
    doc="opportunity",
    title="Opportunity stages (built-in CRM)",
)
