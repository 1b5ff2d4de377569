from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_sow"]
_EDIT = [*_VIEW, "edit_sow", "release_sow", "record_signature"]


class SowsConfig(AppConfig):
    name = "psdesk.sows"
    label = "sows"
    verbose_name = "Statements of Work"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "account_executive": [*_VIEW, "release_sow", "record_signature"],
        "solutions_architect": _VIEW,
        "engagement_manager": _EDIT,
        "technical_architect": _VIEW,
        "regional_delivery_manager": _VIEW,
        "ps_leadership": _VIEW,
        "deal_desk": [*_VIEW, "record_signature", "countersign_sow", "split_sow"],
        "legal": [*_VIEW, "stamp_sow"],
        "ps-scheduling": _VIEW,
        "ps_ops_manager": _VIEW,
        "sales_manager": _VIEW,
    }

    def ready(self) -> None:
        # Closed Won for a custom engagement: executed SOW + cost estimate + PO / no PO required.
        from psdesk.crm.workflow import register_close_won_path  # noqa: PLC0415 — app registry must be ready
        from psdesk.sows.selectors import custom_sow_booking  # noqa: PLC0415 — imports models: registry must be ready

        register_close_won_path(custom_sow_booking)

        # What waits on a person, on My work (psdesk/accounts/my_work.py).
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.sows.selectors import (  # noqa: PLC0415 — imports models: registry must be ready
            my_work_sows_to_countersign,
            my_work_sows_to_stamp,
        )

        my_work_provider_register(my_work_sows_to_stamp)
        my_work_provider_register(my_work_sows_to_countersign)
