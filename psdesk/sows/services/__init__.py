"""SOW writes, one module per subdomain: `versions` (generation, milestone edits, the review),
`documents` (the worker's render of a version's DOCX and PDF), `markup` (customer mark-up),
`signing` (legal stamp, release, signatures), `esign` (the signing link, the customer's signature
or decline, the sealed executed PDF) and `billing` (billable events). Every write is one
transaction with its audit row; status moves go through `transition_apply` with `SOW_WORKFLOW`.
Callers import from `psdesk.sows.services`.
"""

from __future__ import annotations

from psdesk.sows.services.billing import sow_split_billable_events
from psdesk.sows.services.documents import sow_version_render
from psdesk.sows.services.esign import (
    Evidence,
    register_after_decline,
    signing_request_open,
    sow_decline_by_link,
    sow_pdf_verify,
    sow_sign_by_link,
)
from psdesk.sows.services.markup import markup_accept, markup_reject, markup_upload
from psdesk.sows.services.signing import sow_countersign, sow_customer_sign, sow_release, sow_stamp
from psdesk.sows.services.versions import (
    sow_generate,
    sow_milestones_edit,
    sow_review_record,
    sow_version_render_retry,
    version_renders_reask,
)

__all__ = [
    "Evidence",
    "markup_accept",
    "markup_reject",
    "markup_upload",
    "register_after_decline",
    "signing_request_open",
    "sow_countersign",
    "sow_customer_sign",
    "sow_decline_by_link",
    "sow_generate",
    "sow_milestones_edit",
    "sow_pdf_verify",
    "sow_release",
    "sow_review_record",
    "sow_sign_by_link",
    "sow_split_billable_events",
    "sow_stamp",
    "sow_version_render",
    "sow_version_render_retry",
    "version_renders_reask",
]
