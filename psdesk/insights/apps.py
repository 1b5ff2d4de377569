from __future__ import annotations

from django.apps import AppConfig

_ALL_ROLES = [
    "account_executive",
    "solutions_architect",
    "engagement_manager",
    "technical_architect",
    "regional_delivery_manager",
    "ps_leadership",
    "deal_desk",
    "legal",
    "ps-scheduling",
    "ps_ops_manager",
    "consultant",
    "education_services",
    "team_member",
    "sales_manager",
]
_DASHBOARD = ["view_dashboard", "search"]


class InsightsConfig(AppConfig):
    """Pictures over the other apps' records: the PS Leadership dashboard, global search, list
    exports and the readable audit history. Reads only; it owns no workflow."""

    name = "psdesk.insights"
    label = "insights"
    verbose_name = "Dashboards, search, exports and audit history"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [
        ("Dashboard", "insights:dashboard", "insights.view_dashboard"),
        ("Audit", "insights:audit", "insights.view_audit_log"),
    ]
    role_permissions = {
        **{role: ["search"] for role in _ALL_ROLES},
        "ps_leadership": _DASHBOARD,
        "regional_delivery_manager": _DASHBOARD,
        "deal_desk": _DASHBOARD,
        "ps_ops_manager": [*_DASHBOARD, "view_audit_log", "change_dashboardpolicy"],
    }
