"""Side-label workflows of the board (PRODUCT C7; ps-process §3.3-3.5): each scope is a small
table of allowed label moves with the permission each needs.

    TA::            (none) → TA::Needs-Review → TA::Approved (→ back to Needs-Review when content changes)
    Scoping::       (none) → Scoping::Needs_TA_Assistance → Scoping::TA_Assisted  (notifies TAs)
    RDM::           (none) → RDM::needs-review → RDM::approved (→ back to needs-review)
    EM_Status::     Waiting ↔ ToDo (either from none)
    Segment::       any segment from none or another segment (triage)

Every move goes through `label_move`, which locks the card, refuses a move not allowed from the
current label (409 with the reason), checks the permission (403), and writes the label with
`engagement_label_set` (audited). Refusals write nothing.

This module imports no board service, so `psdesk/board/workflow.py` may import its guards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from psdesk.core.errors import BadRequest, NotFound, PermissionDenied, TransitionNotAllowed
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.engagements.models import Engagement, EngagementLabel
from psdesk.engagements.services import engagement_label_set

EM_MOVE = "engagements.move_engagement"
TA_DECIDE = "approvals.decide_ta_review"
RDM_DECIDE = "approvals.decide_rdm_review"

TA_NEEDS_REVIEW = "TA::Needs-Review"
TA_APPROVED = "TA::Approved"
SCOPING_NEEDS_TA = "Scoping::Needs_TA_Assistance"
SCOPING_TA_ASSISTED = "Scoping::TA_Assisted"
RDM_NEEDS_REVIEW = "RDM::needs-review"
RDM_APPROVED = "RDM::approved"
EM_WAITING = "EM_Status::Waiting"
EM_TODO = "EM_Status::ToDo"
SEGMENTS: tuple[str, ...] = (
    "Ent_APAC",
    "Ent_EAST",
    "Ent_WEST",
    "Ent_EMEA",
    "MM_APAC",
    "MM_East",
    "MM_EMEA",
    "MM_West",
    "SMB",
    "Public Sector US",
)

# Single-colon spellings seen in the handbook, accepted as aliases (ps-process §9 item 3).
ALIASES: dict[str, str] = {"TA:Approved": TA_APPROVED, "TA:Needs-Review": TA_NEEDS_REVIEW}

# GitLab-style colours per scope (the card renders `scope` on the left in this colour).
SCOPE_COLOURS: dict[str, str] = {
    "TA": "#6699cc",
    "Scoping": "#8fbc8f",
    "RDM": "#cc338b",
    "EM_Status": "#f0ad4e",
    "Segment": "#5843ad",
    "proposal": "#428bca",
}

ANY = "*"  # in `sources`: whatever label of the scope is present, or none
NONE = ""  # in `sources`: no label of the scope present


@dataclass(frozen=True)
class LabelMove:
    action: str
    sources: frozenset[str]
    target: str
    permission: str
    label: str
    notify: str | None = None  # notification event when the move lands


@dataclass
class LabelWorkflow:
    scope: str
    labels: tuple[str, ...]
    moves: list[LabelMove] = field(default_factory=list)

    def move(self, action: str) -> LabelMove:
        for m in self.moves:
            if m.action == action:
                return m
        known = ", ".join(m.action for m in self.moves)
        raise BadRequest(f"Unknown {self.scope}:: move '{action}'. Known: {known}.", code="unknown_action")

    def allows_from(self, m: LabelMove, current: str) -> bool:
        return ANY in m.sources or current in m.sources

    def moves_from(self, current: str) -> list[LabelMove]:
        return [m for m in self.moves if self.allows_from(m, current) and m.target != current]


def _segment_moves() -> list[LabelMove]:
    return [
        LabelMove(f"set_{s.lower().replace(' ', '_')}", frozenset({ANY}), f"Segment::{s}", EM_MOVE, f"Segment {s}")
        for s in SEGMENTS
    ]


LABEL_WORKFLOWS: dict[str, LabelWorkflow] = {
    w.scope: w
    for w in (
        LabelWorkflow(
            "TA",
            (TA_NEEDS_REVIEW, TA_APPROVED),
            [
                LabelMove(
                    "request_review",
                    frozenset({NONE}),
                    TA_NEEDS_REVIEW,
                    EM_MOVE,
                    "Ask for TA review",
                    "approval.requested",
                ),
                LabelMove(
                    "approve", frozenset({TA_NEEDS_REVIEW}), TA_APPROVED, TA_DECIDE, "TA approves", "approval.decided"
                ),
                LabelMove("reopen", frozenset({TA_APPROVED}), TA_NEEDS_REVIEW, EM_MOVE, "Needs TA review again"),
            ],
        ),
        LabelWorkflow(
            "Scoping",
            (SCOPING_NEEDS_TA, SCOPING_TA_ASSISTED),
            [
                LabelMove(
                    "request_assistance",
                    frozenset({NONE, SCOPING_TA_ASSISTED}),
                    SCOPING_NEEDS_TA,
                    EM_MOVE,
                    "Ask a TA for help",
                    "ta.assistance_requested",
                ),
                LabelMove("assisted", frozenset({SCOPING_NEEDS_TA}), SCOPING_TA_ASSISTED, TA_DECIDE, "TA assisted"),
            ],
        ),
        LabelWorkflow(
            "RDM",
            (RDM_NEEDS_REVIEW, RDM_APPROVED),
            [
                LabelMove(
                    "request_review",
                    frozenset({NONE}),
                    RDM_NEEDS_REVIEW,
                    EM_MOVE,
                    "Ask for RDM review",
                    "approval.requested",
                ),
                LabelMove(
                    "approve",
                    frozenset({RDM_NEEDS_REVIEW}),
                    RDM_APPROVED,
                    RDM_DECIDE,
                    "RDM approves",
                    "approval.decided",
                ),
                LabelMove("reopen", frozenset({RDM_APPROVED}), RDM_NEEDS_REVIEW, EM_MOVE, "Needs RDM review again"),
            ],
        ),
        LabelWorkflow(
            "EM_Status",
            (EM_WAITING, EM_TODO),
            [
                LabelMove("waiting", frozenset({NONE, EM_TODO}), EM_WAITING, EM_MOVE, "Waiting on others"),
                LabelMove("todo", frozenset({NONE, EM_WAITING}), EM_TODO, EM_MOVE, "EM has the next action"),
            ],
        ),
        LabelWorkflow("Segment", tuple(f"Segment::{s}" for s in SEGMENTS), _segment_moves()),
    )
}


def label_workflow(scope: str) -> LabelWorkflow:
    wf = LABEL_WORKFLOWS.get(scope)
    if wf is None:
        raise BadRequest(f"Unknown label scope '{scope}'. Known: {', '.join(LABEL_WORKFLOWS)}.", code="unknown_scope")
    return wf


def current_label(engagement_id: int, scope: str) -> str:
    """The engagement's label of `scope` ('' when none)."""
    name = (
        EngagementLabel.objects.filter(engagement_id=engagement_id, scope=scope).values_list("name", flat=True).first()
    )
    return ALIASES.get(name or "", name or "")


def label_move(*, engagement_id: int, scope: str, action: str, actor: Actor, reason: str = "") -> EngagementLabel:
    """Apply one side-label move to a card the actor may see.

    Raises BadRequest (unknown scope/action), NotFound (absent or not visible), PermissionDenied
    (the move's permission is missing), TransitionNotAllowed 409 (not allowed from the current
    label, with the reason). Side effects: the label row, one audit row (`engagements.label_set`),
    and the move's notification, all in one transaction."""
    wf = label_workflow(scope)
    m = wf.move(action)
    with transaction.atomic():
        eng = Engagement.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=engagement_id).first()
        if eng is None:
            raise NotFound(f"engagement {engagement_id} not found")
        current = current_label(eng.pk, scope)
        if not wf.allows_from(m, current) or m.target == current:
            starts = ", ".join(s or f"no {scope}:: label" for s in sorted(m.sources))
            raise TransitionNotAllowed(
                f"'{m.label}' is not possible from {current or f'no {scope}:: label'}; it starts from {starts}.",
                details={"scope": scope, "action": action, "label": current},
            )
        if not actor.has_perm(m.permission):
            raise PermissionDenied(f"You do not have permission to '{m.label}'.")
        row = engagement_label_set(engagement=eng, label=m.target, actor=actor, reason=reason)
        if m.notify:
            _notify(m.notify, eng, actor, {"label": m.target, "reason": reason})
    return row


def _notify(event: str, eng: Engagement, actor: Actor, context: dict[str, Any]) -> None:
    from psdesk.notifications.services import notify

    notify(event=event, target=eng, actor=actor, context=context)


def label_moves_available(
    engagement: Engagement, user: Actor, labels: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The side-label moves the user could make now, per scope (for the card and the API)."""
    if labels is None:
        labels = {
            lab.scope: ALIASES.get(lab.name, lab.name) for lab in EngagementLabel.objects.filter(engagement=engagement)
        }
    out = []
    for scope, wf in LABEL_WORKFLOWS.items():
        current = labels.get(scope, "")
        for m in wf.moves_from(current):
            if user.has_perm(m.permission):
                out.append({"scope": scope, "action": m.action, "label": m.label, "target": m.target})
    return out


# --- board guards ------------------------------------------------------------------------------
def rdm_approved(eng: Any, ctx: MoveContext) -> str | None:
    """SOW WIP → Ready For Approval needs `RDM::approved` (ps-process §3.2 item 5, §9 item 23)."""
    if current_label(eng.pk, "RDM") == RDM_APPROVED:
        return None
    return "An RDM must approve first (RDM::approved); ask with RDM::needs-review."
