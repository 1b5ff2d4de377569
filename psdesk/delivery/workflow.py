"""The milestone and change-order lifecycles (docs/process.md, Delivery after the signature)."""

from __future__ import annotations

from typing import Any

from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.workflow import Move, MoveContext, Workflow
from psdesk.delivery.choices import ChangeOrderStatus, MilestoneStatus
from psdesk.projects.choices import ProjectStatus

M = MilestoneStatus
C = ChangeOrderStatus
COMPLETE = "delivery.complete_milestone"
CHANGE = "delivery.manage_change_order"
COUNTERSIGN = "sows.countersign_sow"  # the vendor signatory countersigns change orders as SOWs


def project_active_refusal(obj: Any, ctx: MoveContext) -> str | None:
    """Milestones are completed, and change orders made, only while the project is Active."""
    project = obj.project
    if project.status != ProjectStatus.ACTIVE:
        return f"The project is {project.get_status_display()}; this needs an Active project."
    return None


def vendor_signatory_refusal(obj: Any, ctx: MoveContext) -> str | None:
    """Only the vendor signatory named in the vendor profile countersigns (when one is named)."""
    p = vendor_profile_get()
    email = p.signatory_email.strip().lower()
    if email and (getattr(ctx.actor, "email", "") or "").strip().lower() != email:
        return f"The vendor signatory, {p.signatory_name or email} ({p.signatory_title}), countersigns change orders."
    return None


MILESTONE_WORKFLOW = Workflow(
    "delivery",
    doc="milestone",
    title="Milestone",
    field="status",
    states=M.choices,
    moves=[
        Move(
            action="complete",
            sources=frozenset({M.IN_PROGRESS}),
            target=M.AWAITING_ACCEPTANCE,
            label="Mark complete (send the completion notice)",
            permission=COMPLETE,
            guards=[project_active_refusal],
        ),
        Move(
            action="accept",
            sources=frozenset({M.AWAITING_ACCEPTANCE}),
            target=M.ACCEPTED,
            label="Accepted by the customer",
            system_only=True,
        ),
        Move(
            action="accept_passively",
            sources=frozenset({M.AWAITING_ACCEPTANCE}),
            target=M.ACCEPTED,
            label="Passively accepted (acceptance period over)",
            system_only=True,
        ),
        Move(
            action="report_nonconformity",
            sources=frozenset({M.AWAITING_ACCEPTANCE}),
            target=M.IN_PROGRESS,
            label="Customer reported a non-conformity",
            system_only=True,
            needs_reason=True,
        ),
    ],
)


CHANGE_ORDER_WORKFLOW = Workflow(
    "change_orders",
    doc="change_order",
    title="Change order",
    field="status",
    states=C.choices,
    moves=[
        Move(
            action="submit",
            sources=frozenset({C.DRAFT}),
            target=C.IN_APPROVAL,
            label="Request approvals",
            permission=CHANGE,
            guards=[project_active_refusal],
        ),
        Move(
            action="approve",
            sources=frozenset({C.IN_APPROVAL}),
            target=C.APPROVED,
            label="Approved (every required approval on the current hash)",
            system_only=True,
        ),
        Move(
            action="reject",
            sources=frozenset({C.IN_APPROVAL}),
            target=C.REJECTED,
            label="Rejected by an approver",
            system_only=True,
            needs_reason=True,
        ),
        Move(
            action="send",
            sources=frozenset({C.APPROVED}),
            target=C.SENT,
            label="Send for the customer's signature",
            permission=CHANGE,
            guards=[project_active_refusal],
        ),
        Move(
            action="customer_sign_link",
            sources=frozenset({C.SENT}),
            target=C.CUSTOMER_SIGNED,
            label="Signed by the customer through the emailed link",
            system_only=True,
        ),
        Move(
            action="customer_sign",
            sources=frozenset({C.SENT}),
            target=C.CUSTOMER_SIGNED,
            label="Record the customer's signature (signed on paper)",
            permission=CHANGE,
            guards=[project_active_refusal],
        ),
        Move(
            action="customer_decline",
            sources=frozenset({C.SENT}),
            target=C.DECLINED,
            label="Declined by the customer (reason given)",
            system_only=True,
            needs_reason=True,
        ),
        Move(
            action="countersign",
            sources=frozenset({C.CUSTOMER_SIGNED}),
            target=C.EXECUTED,
            label="Countersign (the vendor signatory): executed",
            permission=COUNTERSIGN,
            guards=[project_active_refusal, vendor_signatory_refusal],
        ),
        Move(
            action="expire",
            sources=frozenset({C.DRAFT, C.IN_APPROVAL, C.APPROVED, C.SENT, C.CUSTOMER_SIGNED}),
            target=C.EXPIRED,
            label="Expired (not executed in time)",
            system_only=True,
        ),
        Move(
            action="withdraw",
            sources=frozenset({C.DRAFT, C.IN_APPROVAL, C.APPROVED, C.SENT, C.CUSTOMER_SIGNED}),
            target=C.WITHDRAWN,
            label="Withdraw",
            permission=CHANGE,
            needs_reason=True,
        ),
    ],
)
