"""Writes of the Slack app, re-exported: inbound requests, users, the worker's answers, approvals."""

from psdesk.chatops.services.approvals import (
    approval_message_after_decision,
    approval_message_update,
    approval_messages_post,
)
from psdesk.chatops.services.inbound import SlackSignatureInvalid, slack_request_receive, slack_signature_verify
from psdesk.chatops.services.interactions import ask_answer_to_slack, interaction_process, leadtime_answer
from psdesk.chatops.services.users import slack_link_code, slack_link_confirm, slack_link_remove, slack_user_resolve

__all__ = [
    "SlackSignatureInvalid",
    "approval_message_after_decision",
    "approval_message_update",
    "approval_messages_post",
    "ask_answer_to_slack",
    "interaction_process",
    "leadtime_answer",
    "slack_link_code",
    "slack_link_confirm",
    "slack_link_remove",
    "slack_request_receive",
    "slack_signature_verify",
    "slack_user_resolve",
]
