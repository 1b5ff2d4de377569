from __future__ import annotations

from django.apps import AppConfig


class ChatopsConfig(AppConfig):
    """PS Desk in Slack: slash commands, interactive approvals, the Slack ↔ PS Desk user link."""

    name = "psdesk.chatops"
    label = "chatops"
    default_auto_field = "django.db.models.BigAutoField"
    role_permissions = {
        "ps_ops_manager": [
            "view_slackinteraction",
            "view_slackpolicy",
            "change_slackpolicy",
            "view_slackuserlink",
            "delete_slackuserlink",
        ]
    }

    def ready(self) -> None:
        from psdesk.accounts.profile_sections import profile_section_register  # noqa: PLC0415 — app registry must be ready
        from psdesk.approvals.services import register_after_decision  # noqa: PLC0415 — app registry must be ready
        from psdesk.chatops import services  # noqa: PLC0415 — app registry must be ready
        from psdesk.chatops.profile import slack_profile_section  # noqa: PLC0415 — app registry must be ready
        from psdesk.notifications.services import effect_register  # noqa: PLC0415 — app registry must be ready

        effect_register(event="approval.requested", fn=services.approval_messages_post)
        effect_register(event="ask_ps.answered", fn=services.ask_answer_to_slack)
        register_after_decision(services.approval_message_after_decision)
        profile_section_register(slack_profile_section)
