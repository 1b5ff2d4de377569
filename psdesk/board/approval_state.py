"""Approval state of an engagement, read by the workflow's guards and by the card (docs/process.md,
Approvals): no writes, no board service imports, so `workflow.py` may import it.

What PS Leadership and Revenue approve is the engagement's *content hash*: the current SOW version's
hash (`psdesk.sows.selectors.sow_current_hash`), or, before a SOW is generated, a hash of the
engagement's title and description. Approvals made on an older hash stop counting by themselves.

Approvals read as a sequence (`approval_sequence_refusal`): PS Leadership and Revenue are asked and
decide only in Ready For Approval, unless the board policy allows early approvals (then the card
says "PS Leadership approved early on content v3" and Submit for approval moves on to Approved by
itself); a Legal stamp is asked for once the card is Approved.

The card's Approvals panel shows each review from the record its guard reads, with who, when and
on which version:
- PS Leadership, Revenue: approval requests on the current hash (`approvals`).
- Legal stamp: the SOW's legal case on the current version (`sows`), which the release guard reads.
- TA review: the TA review of the estimate version (`estimates.selectors.ta_review_state`), which the
  `start_sow` guard reads.
- RDM review: the `RDM::` label (`engagements.labels`), which the `submit_for_approval` guard reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psdesk.accounts.roles import ROLE_LABELS, Role
from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.approvals.selectors import approvals_current
from psdesk.audit.models import AuditEvent
from psdesk.board.columns import column_name
from psdesk.board.policy import board_policy_get
from psdesk.core.workflow import MoveContext
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.labels import RDM_APPROVED, RDM_NEEDS_REVIEW, current_label
from psdesk.engagements.models import Engagement
from psdesk.estimates.models import EstimateReview
from psdesk.estimates.selectors import ta_review_state
from psdesk.sows.models import LegalCase, SowVersion
from psdesk.sows.selectors import sow_current_hash, sow_for_engagement

FINAL_KINDS: tuple[str, ...] = (ApprovalKind.PS_LEADERSHIP, ApprovalKind.REVENUE)
# Reviews whose record is not an approval request (see the module docstring).
LABEL_OR_ESTIMATE_KINDS: tuple[str, ...] = (ApprovalKind.TA_REVIEW, ApprovalKind.RDM_REVIEW)
# Columns where an early final approval may be asked for and decided, when the board policy allows it.
EARLY_STATES: tuple[str, ...] = (S.OPEN, S.AWAITING_DISCOVERY, S.STRAWMAN_WIP, S.ESTIMATE_FEEDBACK, S.SOW_WIP)
LEGAL_STATES: tuple[str, ...] = (S.APPROVED, S.CLOSED_WON)
# Who decides each kind, by role display name (the permission is what is checked).
DECIDER_ROLE: dict[str, str] = {
    ApprovalKind.TA_REVIEW: ROLE_LABELS[Role.TECHNICAL_ARCHITECT],
    ApprovalKind.RDM_REVIEW: ROLE_LABELS[Role.REGIONAL_DELIVERY_MANAGER],
    ApprovalKind.PS_LEADERSHIP: ROLE_LABELS[Role.PS_LEADERSHIP],
    ApprovalKind.REVENUE: ROLE_LABELS[Role.DEAL_DESK],
    ApprovalKind.LEGAL_STAMP: ROLE_LABELS[Role.LEGAL],
}
SHORT_NAMES: dict[str, str] = {
    ApprovalKind.TA_REVIEW: "TA review",
    ApprovalKind.RDM_REVIEW: "RDM review",
    ApprovalKind.PS_LEADERSHIP: "PS Leadership",
    ApprovalKind.REVENUE: "Revenue",
    ApprovalKind.LEGAL_STAMP: "Legal",
}


def early_final_approvals_allowed() -> bool:
    return bool(board_policy_get().allow_early_final_approvals)


def approval_sequence_refusal(eng: Any, kind: str) -> str | None:
    """Whether a `kind` approval of the card may be asked for or decided in its current column:
    PS Leadership and Revenue in Ready For Approval (or, when the board policy allows early
    approvals, in any open column before it); a Legal stamp once the card is Approved. Returns the
    human reason it may not, or None."""
    state = str(eng.state)
    here = column_name(state)
    if kind in FINAL_KINDS:
        if state == S.READY_FOR_APPROVAL or (state in EARLY_STATES and early_final_approvals_allowed()):
            return None
        what = ApprovalKind(kind).label
        if state in EARLY_STATES:
            return (
                f"{what} is asked for and decided in Ready For Approval; this card is in {here}. "
                "Submit it for approval first."
            )
        if state == S.APPROVED:
            return f"{what} is no longer needed: this card is already Approved."
        return f"{what} is asked for and decided in Ready For Approval; this card is in {here}."
    if kind == ApprovalKind.LEGAL_STAMP and state not in LEGAL_STATES:
        return f"Legal stamps the SOW once the card is Approved; this card is in {here}."
    return None


def engagement_content_hash(eng: Engagement) -> str:
    """The hash of what is approved: the current SOW version's, else the title and description's."""
    return (
        sow_current_hash(eng)
        or hashlib.sha256(f"engagement:{eng.pk}\n{eng.title}\n{eng.description}".encode()).hexdigest()
    )


def final_approvals_missing(eng: Engagement, content_hash: str | None = None) -> list[str]:
    """The final kinds (PS Leadership, Revenue) not yet approved on the current hash."""
    current = approvals_current(eng, content_hash or engagement_content_hash(eng))
    return [k for k in FINAL_KINDS if k not in current]


def approvals_complete_refusal(eng: Any, ctx: MoveContext) -> str | None:
    """Guard of Ready For Approval → Approved: both final approvals on the current hash."""
    missing = final_approvals_missing(eng)
    if not missing:
        return None
    names = " and ".join(ApprovalKind(k).label for k in missing)
    return f"Waiting for {names} on the current content."


@dataclass(frozen=True)
class ApprovalState:
    """Per kind, as the card shows it: approved on the current hash, approved on an old hash
    (stale: the content changed), pending, rejected, not requested, or not required. With who
    decided it (and their role's display name), when, on which version (`on_version`: "SOW v3",
    "estimate v2"), who asked and when, and whether it was decided early (before Ready For
    Approval). `version_id` (TA review only) is the estimate version a TA approves. `sequence`
    is why it may not be asked for or decided now (None: it may)."""

    kind: str
    label: str
    state: str  # approved | stale | pending | rejected | none | not_required
    request_id: int | None
    content_hash: str | None
    version_id: int | None = None
    version_number: int | None = None
    state_label: str = ""
    decided_by: str = ""
    decider_role: str = ""
    decided_at: datetime | None = None
    requested_by: str = ""
    requested_at: datetime | None = None
    on_version: str = ""
    early: bool = False
    early_note: str = ""
    comment: str = ""
    sequence: str | None = None


STATE_LABELS: dict[str, str] = {
    "approved": "Approved",
    "stale": "Outdated: the content changed since; ask again",
    "pending": "Pending",
    "rejected": "Rejected",
    "none": "Not requested",
    "not_required": "Not required",
}


def _rdm_state(eng: Engagement) -> str:
    label = current_label(eng.pk, "RDM")
    return {RDM_APPROVED: "approved", RDM_NEEDS_REVIEW: "pending"}.get(label, "none")


def _request_state(req: ApprovalRequest | None, current_hash: str) -> str:
    if req is None:
        return "none"
    if req.content_hash != current_hash or req.status == ApprovalStatus.SUPERSEDED:
        return "stale"
    return {"approved": "approved", "pending": "pending", "rejected": "rejected"}[req.status]


def sow_version_numbers(eng: Engagement) -> dict[str, int]:
    """content hash → SOW version number, for every version of the card's SOW (one query)."""
    return dict(SowVersion.objects.filter(sow__engagement=eng).values_list("content_hash", "number"))


def content_version_label(content_hash: str | None, numbers: dict[str, int]) -> str:
    if not content_hash:
        return ""
    number = numbers.get(content_hash)
    return f"SOW v{number}" if number is not None else "the engagement description (no SOW yet)"


def decided_early(kind: str, decision: ApprovalDecision | None) -> bool:
    """A final approval decided while the card was in a column before Ready For Approval."""
    return bool(decision is not None and kind in FINAL_KINDS and decision.target_state in EARLY_STATES)


def early_note(kind: str, decision: ApprovalDecision, numbers: dict[str, int]) -> str:
    """ "PS Leadership approved early on content v3" (the SOW version decided on)."""
    verb = "approved" if decision.approve else "rejected"
    number = numbers.get(decision.content_hash)
    on = f"content v{number}" if number is not None else "the content before the SOW"
    return f"{SHORT_NAMES[kind]} {verb} early on {on} (the card was in {column_name(decision.target_state)})"


def _request_row(
    kind: ApprovalKind, req: ApprovalRequest | None, current_hash: str, numbers: dict[str, int]
) -> dict[str, Any]:
    decisions = list(req.decisions.all()) if req is not None else []
    decision = decisions[-1] if decisions else None
    row: dict[str, Any] = {
        "state": _request_state(req, current_hash),
        "request_id": req.pk if req else None,
        "content_hash": req.content_hash if req else None,
        "on_version": content_version_label(req.content_hash if req else None, numbers),
    }
    if req is not None:
        row |= {"requested_by": req.requester.get_username(), "requested_at": req.created_at}
    if decision is not None:
        row |= {
            "decided_by": decision.decider.get_username(),
            "decider_role": DECIDER_ROLE[kind],
            "decided_at": decision.decided_at,
            "comment": decision.comment,
            "early": decided_early(kind, decision),
        }
        if row["early"]:
            row["early_note"] = early_note(kind, decision, numbers)
    return row


def _sow_version_at(eng: Engagement, at: datetime | None) -> str:
    if at is None:
        return ""
    number = (
        SowVersion.objects.filter(sow__engagement=eng, created_at__lte=at)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"SOW v{number}" if number is not None else "before the SOW"


def _rdm_row(eng: Engagement) -> dict[str, Any]:
    state = _rdm_state(eng)
    row: dict[str, Any] = {"state": state}
    ev = (
        AuditEvent.objects.for_target(eng)
        .filter(verb="engagements.label_set", after__label__in=[RDM_APPROVED, RDM_NEEDS_REVIEW])
        .order_by("-seq")
        .first()
    )
    if ev is None:
        return row
    if state == "approved":
        row |= {"decided_by": ev.actor_label, "decider_role": DECIDER_ROLE["rdm_review"], "decided_at": ev.occurred_at}
        row["on_version"] = _sow_version_at(eng, ev.occurred_at)
    elif state == "pending":
        row |= {"requested_by": ev.actor_label, "requested_at": ev.occurred_at}
    return row


def _ta_row(eng: Engagement) -> dict[str, Any]:
    state, version = ta_review_state(eng)
    if version is None:
        return {"state": "not_required"}
    row: dict[str, Any] = {
        "state": state,
        "version_id": version.pk,
        "version_number": version.number,
        "on_version": f"estimate v{version.number}",
    }
    last = (
        EstimateReview.objects.filter(version=version).select_related("reviewer").order_by("-created_at", "-id").first()
    )
    if last is not None and state != "pending":
        row |= {
            "decided_by": last.reviewer.get_username() if last.reviewer else "",
            "decider_role": DECIDER_ROLE["ta_review"],
            "decided_at": last.created_at,
            "comment": last.comment,
        }
    return row


def _legal_row(
    eng: Engagement, req: ApprovalRequest | None, current_hash: str, numbers: dict[str, int]
) -> dict[str, Any]:
    sow = sow_for_engagement(eng)
    case = (
        LegalCase.objects.filter(sow=sow).select_related("version", "reviewer").order_by("-stamped_at", "-id").first()
        if sow is not None
        else None
    )
    if case is None:
        row = _request_row(ApprovalKind.LEGAL_STAMP, req, current_hash, numbers)
        if row["state"] == "none" and sow is None:
            row["state"] = "not_required"
        return row
    current = sow.current if sow is not None else None
    return {
        "state": "approved" if current is not None and case.content_hash == current.content_hash else "stale",
        "decided_by": case.reviewer.get_username() if case.reviewer else "",
        "decider_role": DECIDER_ROLE["legal_stamp"],
        "decided_at": case.stamped_at,
        "on_version": f"SOW v{case.version.number}",
        "comment": case.note,
        "request_id": req.pk if req else None,
        "content_hash": case.content_hash,
    }


def engagement_approval_states(eng: Engagement, content_hash: str | None = None) -> list[ApprovalState]:
    """One row per approval kind, each read from the record its guard reads, in the order the card
    goes through them: TA review, RDM review, PS Leadership, Revenue, Legal stamp."""
    current_hash = content_hash or engagement_content_hash(eng)
    latest: dict[str, ApprovalRequest] = {}
    requests = (
        ApprovalRequest.objects.for_target(eng)
        .select_related("requester")
        .prefetch_related("decisions__decider")
        .order_by("created_at", "id")
    )
    for req in requests:
        latest[req.kind] = req
    numbers = sow_version_numbers(eng)
    out = []
    for kind in ApprovalKind:
        if kind == ApprovalKind.TA_REVIEW:
            row = _ta_row(eng)
        elif kind == ApprovalKind.RDM_REVIEW:
            row = _rdm_row(eng)
        elif kind == ApprovalKind.LEGAL_STAMP:
            row = _legal_row(eng, latest.get(kind.value), current_hash, numbers)
        else:
            row = _request_row(kind, latest.get(kind.value), current_hash, numbers)
        row.setdefault("request_id", None)
        row.setdefault("content_hash", None)
        sequence = approval_sequence_refusal(eng, kind.value) if kind not in LABEL_OR_ESTIMATE_KINDS else None
        out.append(
            ApprovalState(
                kind=kind.value,
                label=kind.label,
                state_label=STATE_LABELS[row["state"]],
                sequence=sequence,
                **row,
            )
        )
    return out
