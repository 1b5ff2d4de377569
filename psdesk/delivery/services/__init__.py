"""Delivery writes, one module per subdomain: `milestones` (creation from the SOW, completion notice,
acceptance by link or passively, non-conformities), `billing` (the billable event, once),
`closeout` (the close-out checklist, the Close/Complete moves, the close-out check registry) and
`change_orders` (delta, document, approvals, signature, execution)."""

from __future__ import annotations

from psdesk.delivery.services.billing import billable_event_create
from psdesk.delivery.services.closeout import (
    close_out_set,
    project_close,
    project_complete,
    register_close_out_check,
)
from psdesk.delivery.services.milestones import (
    customer_calendar,
    milestone_accept_by_link,
    milestone_accept_passively,
    milestone_complete,
    milestone_nonconformity_report,
    milestone_transition,
    milestones_create_from_sow,
    on_stage_move,
    signer_for,
)

__all__ = [
    "billable_event_create",
    "close_out_set",
    "customer_calendar",
    "milestone_accept_by_link",
    "milestone_accept_passively",
    "milestone_complete",
    "milestone_nonconformity_report",
    "milestone_transition",
    "milestones_create_from_sow",
    "on_stage_move",
    "project_close",
    "project_complete",
    "register_close_out_check",
    "signer_for",
]
