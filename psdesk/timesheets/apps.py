from __future__ import annotations

from django.apps import AppConfig

_LOG = ["log_time"]
_BUDGET = ["view_budget"]


class TimesheetsConfig(AppConfig):
    name = "psdesk.timesheets"
    label = "timesheets"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [
        ("Timesheet", "timesheets:index", "timesheets.log_time"),
        ("Budget burn", "timesheets:burn_list", "timesheets.view_budget"),
        ("Utilisation", "timesheets:utilisation", "timesheets.view_budget"),
    ]
    role_permissions = {
        "consultant": _LOG,
        "ps-scheduling": [*_BUDGET, "approve_timesheet", "request_work_at_risk"],
        "ps_ops_manager": [*_LOG, *_BUDGET, "approve_timesheet", "approve_any_timesheet", "request_work_at_risk"],
        "engagement_manager": [*_BUDGET, "request_work_at_risk"],
        "ps_leadership": [*_BUDGET, "decide_work_at_risk"],
        "regional_delivery_manager": _BUDGET,
    }

    def ready(self) -> None:
        # What waits on a person, on My work (psdesk/accounts/my_work.py).
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.delivery.services import register_close_out_check  # noqa: PLC0415 — app registry must be ready
        from psdesk.scheduling.selectors import register_actual_hours  # noqa: PLC0415 — app registry must be ready
        from psdesk.timesheets.selectors import (  # noqa: PLC0415 — imports models: registry must be ready
            approved_hours_by_opportunity_role,
            my_work_timesheet_due,
            my_work_timesheets_to_approve,
            my_work_work_at_risk_to_decide,
            time_all_approved_refusal,
        )

        my_work_provider_register(my_work_timesheet_due)
        my_work_provider_register(my_work_timesheets_to_approve)
        my_work_provider_register(my_work_work_at_risk_to_decide)
        # Approved hours are work done: the lead-time forecast plans only what remains.
        register_actual_hours(approved_hours_by_opportunity_role)
        # A project closes only when all its time is approved.
        register_close_out_check(time_all_approved_refusal)
