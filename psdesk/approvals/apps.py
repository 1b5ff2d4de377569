from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_approvalrequest", "view_approvaldecision"]


class ApprovalsConfig(AppConfig):
    name = "psdesk.approvals"
    label = "approvals"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "engagement_manager": [*_VIEW, "request_approval"],
        "account_executive": [*_VIEW, "request_approval"],  # AE may open the legal stamp (§9 item 8)
        "ps_ops_manager": [*_VIEW, "request_approval"],
        "solutions_architect": _VIEW,
        "technical_architect": [*_VIEW, "decide_ta_review"],
        "regional_delivery_manager": [*_VIEW, "decide_rdm_review"],
        "ps_leadership": [*_VIEW, "decide_ps_leadership"],
        "deal_desk": [*_VIEW, "decide_revenue"],
        "legal": [*_VIEW, "decide_legal_stamp"],
    }
