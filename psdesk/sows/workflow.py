"""The SOW after approval (PRODUCT C8, ps-process §3.2 move 8): legal stamp → release for
signature → customer signature → vendor countersignature → executed (immutable).

Guards live in psdesk/sows/selectors.py; apps above may add more with `SOW_WORKFLOW.add_guard(...)`
(e.g. approvals: "the stamped hash is the approved hash").
"""

from __future__ import annotations

from psdesk.core.workflow import Move, Workflow
from psdesk.sows.choices import SowStatus
from psdesk.sows.selectors import (
    engagement_approved,
    stamp_on_current_version,
)

S = SowStatus

SOW_WORKFLOW = Workflow(
    "sows",
    doc="sow",
    title="Statement of Work (after approval)",
    field="status",
    states=S.choices,
    moves=[
        Move("stamp", frozenset({S.DRAFT}), S.STAMPED, "Legal stamp", "sows.stamp_sow", guards=[engagement_approved]),
        Move(
            "release",
            frozenset({S.STAMPED}),
            S.RELEASED,
            "Release for signature",
            "sows.release_sow",
            guards=[stamp_on_current_version],
        ),
        Move(
            "customer_sign",
            frozenset({S.RELEASED}),
            S.CUSTOMER_SIGNED,
            "Record customer signature",
            "sows.record_signature",
        ),
        Move(
            "countersign", frozenset({S.CUSTOMER_SIGNED}), S.EXECUTED, "Countersign (executed)", "sows.countersign_sow"
        ),
    ],
)
