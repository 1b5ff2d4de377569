from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_account", "view_opportunity", "view_msa", "view_territory"]
_SELL = [
    *_VIEW,
    "add_account",
    "change_account",
    "add_opportunity",
    "change_opportunity",
    "move_opportunity",
    "add_msa",
]


class CrmConfig(AppConfig):
    name = "psdesk.crm"
    label = "crm"
    verbose_name = "CRM"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [
        ("Accounts", "crm:accounts", "crm.view_account"),
        ("Opportunities", "crm:opportunities", "crm.view_opportunity"),
    ]
    role_permissions = {
        "account_executive": _SELL,
        "solutions_architect": _VIEW,
        "engagement_manager": [*_VIEW, "edit_ps_fields"],
        "technical_architect": _VIEW,
        "regional_delivery_manager": _VIEW,
        "ps_leadership": [*_VIEW, "edit_ps_fields"],
        "deal_desk": [*_SELL, "manage_opportunity"],
        "legal": [*_VIEW, "add_msa", "change_msa"],
        "ps-scheduling": _VIEW,
        "ps_ops_manager": [*_VIEW, "edit_ps_fields", "change_territory", "add_territory"],
        "consultant": ["view_account"],
        "education_services": _VIEW,
        "sales_manager": [*_SELL, "manage_opportunity", "revert_opportunity"],
    }

    def ready(self) -> None:
        from psdesk.crm.services import opportunity_stage_from_crm  # noqa: PLC0415 — needs the loaded app registry
        from psdesk.integrations.inbound import inbound_handler_register  # noqa: PLC0415 — needs the loaded app registry

        inbound_handler_register("crm", "opportunity.stage_changed", opportunity_stage_from_crm)
