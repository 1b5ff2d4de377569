from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_engagement"]
_MOVE = ["view_engagement", "add_engagement", "change_engagement", "move_engagement", "send_back_engagement"]


class EngagementsConfig(AppConfig):
    name = "psdesk.engagements"
    label = "engagements"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "account_executive": [*_VIEW, "add_engagement", "link_opportunity"],
        "solutions_architect": [*_VIEW, "add_engagement"],
        "engagement_manager": [*_MOVE, "close_engagement", "link_opportunity"],
        "technical_architect": _VIEW,
        "regional_delivery_manager": _VIEW,
        "ps_leadership": [*_VIEW, "send_back_engagement"],
        "deal_desk": [*_VIEW, "send_back_engagement", "close_engagement", "link_opportunity"],
        "legal": _VIEW,
        "ps-scheduling": _VIEW,
        "ps_ops_manager": [*_MOVE, "close_engagement", "link_opportunity"],
        "sales_manager": [*_VIEW, "link_opportunity"],
    }
