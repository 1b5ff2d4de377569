from __future__ import annotations

from django.apps import AppConfig

_STAFF = ["view_session", "add_trainingrequest", "view_trainingrequest", "add_registration"]
_PLAN = [
    *_STAFF,
    "plan_training",
    "add_session",
    "change_session",
    "view_registration",
    "view_trainercertification",
    "add_trainercertification",
    "delete_trainercertification",
    "view_trainingpolicy",
    "change_trainingpolicy",
]


class TrainingConfig(AppConfig):
    name = "psdesk.training"
    label = "training"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Education Services training"
    nav = [("Training", "training:index", "training.view_session")]
    role_permissions = {
        "education_services": _PLAN,
        "ps-scheduling": _PLAN,
        **{
            role: _STAFF
            for role in (
                "account_executive",
                "solutions_architect",
                "engagement_manager",
                "technical_architect",
                "regional_delivery_manager",
                "ps_leadership",
                "deal_desk",
                "legal",
                "ps_ops_manager",
                "consultant",
                "team_member",
                "us_public_sector",
                "sales_manager",
            )
        },
    }

    def ready(self) -> None:
        # What waits on a person, on My work (psdesk/accounts/my_work.py).
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.training.selectors import (  # noqa: PLC0415 — imports models: registry must be ready
            my_work_training_approvals,
            my_work_training_to_plan,
        )

        my_work_provider_register(my_work_training_to_plan)
        my_work_provider_register(my_work_training_approvals)
