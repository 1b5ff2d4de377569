"""Side-label workflows of an engagement (docs/process.md, The approval board): each scope is a
small table of allowed label moves with the permission each needs. This module is the one owner of
the scoped labels: every label move, from the card drawer, the API, the CLI or another app
(estimates), goes through `label_move`.

    TA::            (none) → TA::Needs-Review (→ back to Needs-Review after an approval)
    Scoping::       (none) → Scoping::Needs_TA_Assistance → Scoping::TA_Assisted  (notifies TAs)
    RDM::           (none) → RDM::needs-review → RDM::approved (→ back to needs-review)
    EM_Status::     Waiting ↔ ToDo (either from none)
    Segment::       any segment from none or another segment (triage)

Every move goes through `label_move`, which locks the card, refuses a move not allowed from the
current label (409 with the reason), checks the permission (403), and writes the label with
`engagement_label_set` (audited). Refusals write nothing.

One record per review, read by the guard that needs it:
- RDM review: the `RDM::` label *is* the record. `RDM::approved` is written only by the `RDM`
  `approve` move below (drawer, Approvals panel, API, CLI) and read by `rdm_approved_refusal`.
- TA review: the record is the TA review of an estimate version (`EstimateReview`, written by
  `psdesk.estimates.services.estimate_review_record`), because an approval belongs to the version it
  was given on. `TA::Approved` only displays that record, so it is not a label move here: estimates
  sets it when it records the review, and the board guard reads the review itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from psdesk.core.errors import BadRequest, NotFound, PermissionDenied, TransitionNotAllowed
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.engagements.models import Engagement, EngagementLabel
from psdesk.engagements.services import engagement_label_set
from psdesk.notifications import services as notifications

EM_MOVE = "engagements.move_engagement"
TA_DECIDE = "approvals.decide_ta_review"
RDM_DECIDE = "approvals.decide_rdm_review"
TA_ROLE = "technical_architect"

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

# Single-colon spellings seen in imported data, accepted as aliases of the scoped labels.
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
    notify_role: str = ""  # also notify the active members of this role (group name)


@dataclass
class LabelWorkflow:
    scope: str
    labels: tuple[str, ...]
    moves: list[LabelMove] = field(default_factory=list)
    elsewhere: str = ""  # where the scope's other labels are written (said in an unknown-move error)

    def move(self, action: str) -> LabelMove:
        for m in self.moves:
            if m.action == action:
                return m
        known = ", ".join(m.action for m in self.moves)
        hint = f" {self.elsewhere}" if self.elsewhere else ""
        raise BadRequest(f"Unknown {self.scope}:: move '{action}'. Known: {known}.{hint}", code="unknown_action")

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
                LabelMove("reopen", frozenset({TA_APPROVED}), TA_NEEDS_REVIEW, EM_MOVE, "Needs TA review again"),
            ],
            elsewhere=(
                "A TA approves by reviewing the estimate version (the card's Approvals panel, the estimate "
                "page, POST /api/v1/estimates/versions/<id>/reviews or `psdesk estimate review`), which "
                f"sets {TA_APPROVED}."
            ),
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
                    notify_role=TA_ROLE,
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
            recipients = (
                list(User.objects.filter(groups__name=m.notify_role, is_active=True).order_by("username"))
                if m.notify_role
                else []
            )
            notifications.notify(
                event=m.notify,
                target=eng,
                actor=actor,
                context={"label": m.target, "reason": reason},
                recipients=recipients,
            )
    return row


def label_moves_available(
    engagement: Engagement, user: Actor, labels: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """The side-label moves the user could make now, per scope (for the card and the API)."""
    if labels is None:
        labels = {
            lab.scope: ALIASES.get(lab.name, lab.name) for lab in EngagementLabel.objects.filter(engagement=engagement)
        }
    return [
        {"scope": scope, "action": m.action, "label": m.label, "target": m.target}
        for scope, wf in LABEL_WORKFLOWS.items()
        for m in wf.moves_from(labels.get(scope, ""))
        if user.has_perm(m.permission)
    ]


# --- guards of the engagement workflow (listed on their move in psdesk/board/workflow.py) --------
def rdm_approved_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """SOW WIP → Ready For Approval needs `RDM::approved`, the record of the RDM review."""
    if current_label(eng.pk, "RDM") == RDM_APPROVED:
        return None
    return "An RDM must approve first (RDM::approved); ask with RDM::needs-review."
