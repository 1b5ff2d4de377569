from __future__ import annotations

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "psdesk.scheduling"
    label = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Scheduling and lead-time forecast"
    nav = [
        ("Queue", "scheduling:queue", "scheduling.view_queueentry"),
        ("Resources", "scheduling:resources", "scheduling.view_consultant"),
        ("My time off", "scheduling:time_off_mine", "scheduling.request_timeoff"),
    ]
    _view = ["view_queueentry", "view_consultant", "view_forecastrun", "view_leadtime"]
    role_permissions = {
        "ps-scheduling": [
            *_view,
            "manage_queue",
            "commit_start",
            "add_allocation",
            "add_consultant",
            "change_consultant",
            "add_timeoff",
            "view_clearance",
            "view_cost_rate",
            "decide_timeoff",
            "change_forecastpolicy",
            "change_stageprobability",
        ],
        "ps_ops_manager": [
            *_view,
            "manage_queue",
            "change_forecastpolicy",
            "change_stageprobability",
            "view_clearance",
            "view_cost_rate",
        ],
        "regional_delivery_manager": [*_view, "manage_queue", "view_clearance", "view_cost_rate"],
        "ps_leadership": [*_view, "view_cost_rate"],
        "consultant": ["view_consultant", "request_timeoff"],
        "engagement_manager": _view,
        "account_executive": _view,
        "solutions_architect": _view,
        "technical_architect": _view,
        "sales_manager": _view,
        "deal_desk": _view,
    }

    def ready(self) -> None:
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.crm.services import register_after_stage_move  # noqa: PLC0415 — app registry must be ready
        from psdesk.estimates.services import register_after_agreement  # noqa: PLC0415 — app registry must be ready
        from psdesk.scheduling.selectors import my_work_time_off_to_decide  # noqa: PLC0415 — app registry must be ready
        from psdesk.scheduling.services import queue_after_stage_move, queue_demand_follow  # noqa: PLC0415 — app registry must be ready

        register_after_agreement(queue_demand_follow)
        my_work_provider_register(my_work_time_off_to_decide)
        register_after_stage_move(queue_after_stage_move)
