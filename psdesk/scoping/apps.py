from __future__ import annotations

from django.apps import AppConfig

_SSOT = ["view_ssotrow", "change_ssotrow", "view_servicetype", "view_question"]
_CALC = ["use_calculator", "add_scopingrequest", "view_scopingrequest"]


class ScopingConfig(AppConfig):
    name = "psdesk.scoping"
    label = "scoping"
    verbose_name = "Scoping"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [
        ("Services Calculator", "scoping:calculator", "scoping.use_calculator"),
        ("Ask PS", "scoping:ask_ps", None),
    ]
    role_permissions = {
        "account_executive": [*_CALC, *_SSOT],
        "solutions_architect": [*_CALC, *_SSOT],
        "engagement_manager": [*_CALC, *_SSOT],
        "ps_ops_manager": [
            *_CALC,
            *_SSOT,
            "change_servicetype",
            "change_question",
            "add_question",
            "view_territoryengagementmanager",
            "add_territoryengagementmanager",
            "change_territoryengagementmanager",
            "delete_territoryengagementmanager",
            "view_pubsecaccessrequest",
            "change_scopingpolicy",
            "view_scopingpolicy",
        ],
        "sales_manager": ["view_ssotrow"],
        "technical_architect": ["view_ssotrow"],
        "regional_delivery_manager": ["view_ssotrow"],
        "ps_leadership": ["view_ssotrow"],
        "ps-scheduling": ["view_ssotrow"],
    }
