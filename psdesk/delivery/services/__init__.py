"""Delivery writes, one module per subdomain: `milestones` (creation from the SOW, completion notice,
acceptance by link or passively, non-conformities), `billing` (the billable event, once),
`closeout` (the close-out checklist, the Close/Complete moves, the close-out check registry) and
`change_orders` (delta, document, approvals, execution) and `change_order_esign` (the signing link,
the customer's signature or decline, the countersignature, the sealed executed PDF)."""

from __future__ import annotations

from psdesk.delivery.services.billing import billable_event_create
from psdesk.delivery.services.change_order_esign import (
    change_order_countersign,
    change_order_decline_by_link,
    change_order_pdf_verify,
    change_order_send,
    change_order_sign,
    change_order_sign_by_link,
    co_signing_request_open,
)
from psdesk.delivery.services.change_orders import (
    change_order_after_decision,
    change_order_create,
    change_order_decide,
    change_order_submit,
    change_order_transition,
    change_order_withdraw,
    change_orders_expire,
    required_approvals,
)
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
from psdesk.sows.services.esign import Evidence  # a change-order signature keeps a SOW signature's evidence

__all__ = [
    "Evidence",
    "billable_event_create",
    "change_order_after_decision",
    "change_order_countersign",
    "change_order_create",
    "change_order_decide",
    "change_order_decline_by_link",
    "change_order_pdf_verify",
    "change_order_send",
    "change_order_sign",
    "change_order_sign_by_link",
    "change_order_submit",
    "change_order_transition",
    "change_order_withdraw",
    "change_orders_expire",
    "close_out_set",
    "co_signing_request_open",
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
    "required_approvals",
    "signer_for",
]
