"""How the board names its columns: a display name for people ("Awaiting Discovery") and the scoped
label GitLab boards use (`proposal::Awaiting_Discovery`), shown beside it as secondary text.

Pure: no queries; `workflow.py`, `approval_state.py`, the selectors and the templates read it."""

from __future__ import annotations

from psdesk.engagements.choices import EngagementStatus as S

COLUMN_NAMES: dict[str, str] = {
    S.OPEN: "Open",
    S.AWAITING_DISCOVERY: "Awaiting Discovery",
    S.STRAWMAN_WIP: "Strawman WIP",
    S.ESTIMATE_FEEDBACK: "Estimate Feedback",
    S.SOW_WIP: "SOW WIP",
    S.READY_FOR_APPROVAL: "Ready For Approval",
    S.APPROVED: "Approved",
    S.ON_HOLD: "On Hold",
    S.CLOSED_WON: "Closed Won",
    S.CLOSED_LOST: "Closed Lost",
}


def column_name(state: str) -> str:
    """The display name of a column ("SOW WIP"); an unknown key is shown as given."""
    return COLUMN_NAMES.get(state, state)


def column_label(state: str) -> str:
    """The scoped label of a column (`proposal::SOW_WIP`), or "" when it has none (Open)."""
    try:
        label = str(S(state).label)
    except ValueError:
        return ""
    return label if "::" in label else ""
