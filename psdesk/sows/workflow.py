"""The SOW after approval (docs/process.md, SOWs and signatures): legal stamp → release for
signature → customer signature → vendor countersignature → executed (immutable).

Guards live in psdesk/sows/selectors.py; apps above may add more with `SOW_WORKFLOW.add_guard(...)`
(e.g. approvals: "the stamped hash is the approved hash").
"""

from __future__ import annotations

from psdesk.core.workflow import Move, Workflow
from psdesk.sows.choices import SowStatus
from psdesk.sows.selectors import (
    engagement_approved_refusal,
    stamp_on_current_version_refusal,
    vendor_signatory_refusal,
    version_rendered_refusal,
)

S = SowStatus

SOW_WORKFLOW = Workflow(
    "sows",
    doc="sow",
    title="Statement of Work (after approval)",
    field="status",
    states=S.choices,
    moves=[
        Move(
            action="stamp",
            sources=frozenset({S.DRAFT}),
            target=S.STAMPED,
            label="Legal stamp",
            permission="sows.stamp_sow",
            guards=[engagement_approved_refusal],
        ),
        Move(
            action="release",
            sources=frozenset({S.STAMPED}),
            target=S.RELEASED,
            label="Release for signature",
            permission="sows.release_sow",
            guards=[stamp_on_current_version_refusal, version_rendered_refusal],
        ),
        Move(
            action="customer_sign",
            sources=frozenset({S.RELEASED}),
            target=S.CUSTOMER_SIGNED,
            label="Record customer signature",
            permission="sows.record_signature",
        ),
        Move(
            action="customer_sign_link",
            sources=frozenset({S.RELEASED}),
            target=S.CUSTOMER_SIGNED,
            label="Signed by the customer through the signing link",
            permission=None,
            system_only=True,
        ),
        Move(
            action="customer_decline",
            sources=frozenset({S.RELEASED}),
            target=S.DRAFT,
            label="Declined by the customer through the signing link",
            permission=None,
            system_only=True,
            needs_reason=True,
        ),
        Move(
            action="countersign",
            sources=frozenset({S.CUSTOMER_SIGNED}),
            target=S.EXECUTED,
            label="Countersign (executed)",
            permission="sows.countersign_sow",
            guards=[vendor_signatory_refusal],
        ),
    ],
)
