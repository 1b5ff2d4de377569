from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_estimateversion"]
_COST = ["view_estimateversion", "view_estimate_cost"]


class EstimatesConfig(AppConfig):
    name = "psdesk.estimates"
    label = "estimates"
    verbose_name = "Estimates"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [("Estimates", "estimates:index", "estimates.view_estimateversion")]
    role_permissions = {
        "engagement_manager": [*_COST, "edit_estimate"],
        "technical_architect": [*_COST, "review_estimate"],
        "regional_delivery_manager": _COST,
        "ps_leadership": _COST,
        "ps_ops_manager": _COST,  # owns rate cards and cost rates: sees the estimates and their margins
        "deal_desk": _COST,
        "account_executive": _VIEW,
        "solutions_architect": _VIEW,
    }

    def ready(self) -> None:
        # What waits on a person, on My work (psdesk/accounts/my_work.py).
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.estimates.selectors import (  # noqa: PLC0415 — imports models: registry must be ready
            my_work_ta_reviews,
        )

        my_work_provider_register(my_work_ta_reviews)
