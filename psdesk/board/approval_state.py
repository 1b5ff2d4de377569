"""Approval state of an engagement, read by the workflow's guards and by the card (docs/process.md,
Approvals): no writes, no board service imports, so `workflow.py` may import it.

What PS Leadership and Revenue approve is the engagement's *content hash*: the current SOW version's
hash (`psdesk.sows.selectors.sow_current_hash`), or, before a SOW is generated, a hash of the
engagement's title and description. Approvals made on an older hash stop counting by themselves.

The card's Approvals panel shows each review from the record its guard reads:
- PS Leadership, Revenue, Legal stamp: approval requests on the current hash (`approvals`).
- TA review: the TA review of the estimate version (`estimates.selectors.ta_review_state`), which the
  `start_sow` guard reads.
- RDM review: the `RDM::` label (`engagements.labels`), which the `submit_for_approval` guard reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalRequest
from psdesk.approvals.selectors import approvals_current
from psdesk.core.workflow import MoveContext
from psdesk.engagements.labels import RDM_APPROVED, RDM_NEEDS_REVIEW, current_label
from psdesk.engagements.models import Engagement
from psdesk.estimates.selectors import ta_review_state
from psdesk.sows.selectors import sow_current_hash

FINAL_KINDS: tuple[str, ...] = (ApprovalKind.PS_LEADERSHIP, ApprovalKind.REVENUE)
# Reviews whose record is not an approval request (see the module docstring).
LABEL_OR_ESTIMATE_KINDS: tuple[str, ...] = (ApprovalKind.TA_REVIEW, ApprovalKind.RDM_REVIEW)


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
    (stale: the content changed), pending, rejected, or not requested. `version_id` (TA review
    only) is the estimate version a TA approves."""

    kind: str
    label: str
    state: str  # approved | stale | pending | rejected | none
    request_id: int | None
    content_hash: str | None
    version_id: int | None = None
    version_number: int | None = None


def _rdm_state(eng: Engagement) -> str:
    label = current_label(eng.pk, "RDM")
    return {RDM_APPROVED: "approved", RDM_NEEDS_REVIEW: "pending"}.get(label, "none")


def _request_state(req: ApprovalRequest | None, current_hash: str) -> str:
    if req is None:
        return "none"
    if req.content_hash != current_hash or req.status == ApprovalStatus.SUPERSEDED:
        return "stale"
    return {"approved": "approved", "pending": "pending", "rejected": "rejected"}[req.status]


def engagement_approval_states(eng: Engagement, content_hash: str | None = None) -> list[ApprovalState]:
    """One row per approval kind, each read from the record its guard reads."""
    current_hash = content_hash or engagement_content_hash(eng)
    latest: dict[str, ApprovalRequest] = {}
    for req in ApprovalRequest.objects.for_target(eng).order_by("created_at", "id"):
        latest[req.kind] = req
    out = []
    for kind in ApprovalKind:
        if kind == ApprovalKind.TA_REVIEW:
            state, version = ta_review_state(eng)
            row = ApprovalState(
                kind=kind.value,
                label=kind.label,
                state=state,
                request_id=None,
                content_hash=None,
                version_id=version.pk if version else None,
                version_number=version.number if version else None,
            )
        elif kind == ApprovalKind.RDM_REVIEW:
            row = ApprovalState(
                kind=kind.value, label=kind.label, state=_rdm_state(eng), request_id=None, content_hash=None
            )
        else:
            r = latest.get(kind.value)
            row = ApprovalState(
                kind=kind.value,
                label=kind.label,
                state=_request_state(r, current_hash),
                request_id=r.pk if r else None,
                content_hash=r.content_hash if r else None,
            )
        out.append(row)
    return out
