from __future__ import annotations

from django.apps import AppConfig

_SSOT = ["view_ssotrow", "change_ssotrow", "view_servicetype", "view_question"]
_CALC = ["use_calculator", "add_scopingrequest", "view_scopingrequest"]
# Every employee role may ask PS and request PubSec access; an outsider without a role may not.
_ASK = ["add_askpsrequest", "add_pubsecaccessrequest"]
# PS staff answer Ask PS questions in PS Desk (the EM a question was routed to always may).
_ANSWER = ["add_askpsanswer"]
_BASE: dict[str, list[str]] = {
    "account_executive": [*_CALC, *_SSOT],
    "solutions_architect": [*_CALC, *_SSOT],
    "engagement_manager": [*_CALC, *_SSOT, *_ANSWER],
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
        *_ANSWER,
    ],
    "sales_manager": ["view_ssotrow"],
    "technical_architect": ["view_ssotrow", *_ANSWER],
    "regional_delivery_manager": ["view_ssotrow", *_ANSWER],
    "ps_leadership": ["view_ssotrow", *_ANSWER],
    "ps-scheduling": ["view_ssotrow"],
    "deal_desk": [],
    "legal": [],
    "consultant": [],
    "education_services": [],
    "team_member": [],
}


class ScopingConfig(AppConfig):
    name = "psdesk.scoping"
    label = "scoping"
    verbose_name = "Scoping"
    default_auto_field = "django.db.models.BigAutoField"
    nav = [
        ("Services Calculator", "scoping:calculator", "scoping.use_calculator"),
        ("Ask PS", "scoping:ask_ps", "scoping.add_askpsrequest"),
    ]
    role_permissions = {role: [*perms, *_ASK] for role, perms in _BASE.items()}

    def ready(self) -> None:
        # What waits on a person, on My work (psdesk/accounts/my_work.py).
        from psdesk.accounts.my_work import my_work_provider_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.scoping.selectors import (  # noqa: PLC0415 — imports models: registry must be ready
            my_work_my_questions,
            my_work_pubsec_access_requests,
            my_work_questions_to_answer,
        )

        my_work_provider_register(my_work_questions_to_answer)
        my_work_provider_register(my_work_my_questions)
        my_work_provider_register(my_work_pubsec_access_requests)
