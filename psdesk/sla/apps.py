from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_slatimer", "view_slapolicy", "view_calendar"]
_ADMIN = [*_VIEW, "add_slapolicy", "change_slapolicy", "add_calendar", "change_calendar", "add_closure"]


class SlaConfig(AppConfig):
    name = "psdesk.sla"
    label = "sla"
    verbose_name = "SLA timers and business calendars"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "engagement_manager": _VIEW,
        "technical_architect": _VIEW,
        "regional_delivery_manager": _VIEW,
        "ps_leadership": _VIEW,
        "deal_desk": _VIEW,
        "ps-scheduling": _VIEW,
        "ps_ops_manager": _ADMIN,
    }
