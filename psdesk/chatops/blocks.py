"""Slack Block Kit messages PS Desk sends: pure functions over plain values (no Django)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

APPROVE_ACTION = "approval_approve"
REJECT_ACTION = "approval_reject"
REJECT_CALLBACK = "approval_reject_reason"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_text"


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def text_blocks(text: str) -> list[dict[str, Any]]:
    return [section(text)]


@dataclass(frozen=True)
class ApprovalCard:
    """What an approver needs to decide from Slack."""

    request_id: int
    engagement_id: int
    content_hash: str
    kind_label: str
    customer: str
    title: str
    value: str
    margin: str
    sow_version: str
    url: str
    requester: str


def button_value(card: ApprovalCard) -> str:
    return json.dumps({"r": card.request_id, "e": card.engagement_id, "h": card.content_hash}, separators=(",", ":"))


def button_value_parse(value: str) -> tuple[int, int, str] | None:
    """(request id, engagement id, content hash) from a button's value, or None when malformed."""
    try:
        data = json.loads(value)
        return int(data["r"]), int(data["e"]), str(data["h"])[:64]
    except (ValueError, TypeError, KeyError):
        return None


def _facts(card: ApprovalCard) -> str:
    return (
        f"*Customer:* {card.customer}\n*Engagement:* {card.title}\n*Value:* {card.value}\n"
        f"*Margin:* {card.margin}\n*SOW:* <{card.url}|{card.sow_version}>\n*Requested by:* {card.requester}"
    )


def approval_message(card: ApprovalCard) -> tuple[str, list[dict[str, Any]]]:
    """The interactive request: facts, then Approve / Reject bound to the SOW content hash."""
    text = f"{card.kind_label} requested: {card.customer} - {card.title}"
    value = button_value(card)
    blocks = [
        section(f":inbox_tray: *{card.kind_label} requested*"),
        section(_facts(card)),
        {
            "type": "actions",
            "block_id": f"approval-{card.request_id}",
            "elements": [
                {
                    "type": "button",
                    "action_id": APPROVE_ACTION,
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": value,
                },
                {
                    "type": "button",
                    "action_id": REJECT_ACTION,
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Reject"},
                    "value": value,
                },
            ],
        },
    ]
    return text, blocks


def approval_outcome(card: ApprovalCard, outcome: str) -> tuple[str, list[dict[str, Any]]]:
    """The request after a decision (or after its version was superseded): facts, outcome, no buttons."""
    text = f"{card.kind_label}: {outcome}"
    return text, [section(f"*{card.kind_label}* - {outcome}"), section(_facts(card))]


def reject_modal(*, private_metadata: str, kind_label: str) -> dict[str, Any]:
    """The dialog asking for the reason of a rejection."""
    return {
        "type": "modal",
        "callback_id": REJECT_CALLBACK,
        "private_metadata": private_metadata[:3000],
        "title": {"type": "plain_text", "text": "Reject"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"Why do you reject this {kind_label.lower()}? The requester reads your reason."),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "min_length": 1,
                    "max_length": 2000,
                },
            },
        ],
    }


HELP = (
    "*PS Desk in Slack*\n"
    "• `/ps leadtime` - the published lead-time table\n"
    "• `/ps leadtime <service type>` - P50/P80 start if it closed today, and what binds it\n"
    "• `/ps leadtime <account or opportunity>` - that project's forecast\n"
    "• `/ps ask <question>` - ask PS; `/ps ask [Account name] <question>` goes to the account's EM\n"
    "• `/ps pubsec-access <why you need it>` - ask to join US Public Sector (two approvals)\n"
    "• `/ps link` - connect your Slack account to PS Desk"
)


def reject_reason(payload: dict[str, Any]) -> str:
    """The reason typed into the reject dialog of a `view_submission` payload ("" when none)."""
    values = ((payload.get("view") or {}).get("state") or {}).get("values") or {}
    return str(((values.get(REASON_BLOCK) or {}).get(REASON_INPUT) or {}).get("value") or "").strip()
