from __future__ import annotations

from django.apps import AppConfig

_VIEW = ["view_project"]


class ProjectsConfig(AppConfig):
    name = "psdesk.projects"
    label = "projects"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [("Projects", "projects:index", "projects.view_project")]
    role_permissions = {
        "ps-scheduling": [*_VIEW, "manage_project", "change_project"],
        "ps_ops_manager": [*_VIEW, "manage_project", "change_project"],
        "ps_leadership": _VIEW,
        "engagement_manager": _VIEW,
        "account_executive": _VIEW,
        "regional_delivery_manager": _VIEW,
        "deal_desk": _VIEW,
        "consultant": _VIEW,
    }

    def ready(self) -> None:
        from psdesk.crm.services import register_after_stage_move  # noqa: PLC0415 — app registry must be ready
        from psdesk.estimates.services import register_after_agreement  # noqa: PLC0415 — app registry must be ready
        from psdesk.projects.services import on_stage_move, project_plan_follow  # noqa: PLC0415 — imports models: registry must be ready

        register_after_agreement(project_plan_follow)
        register_after_stage_move(on_stage_move)

        # What waits on a person, on My work (psdesk/accounts/my_work.py).
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.projects.selectors import (  # noqa: PLC0415 — imports models: registry must be ready
            my_work_welcome_emails_due,
        )

        my_work_provider_register(my_work_welcome_emails_due)
