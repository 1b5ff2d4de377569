"""Approvals in Slack: an interactive message for each PS Leadership or Revenue request on an
engagement, decisions from its buttons through `board.services.engagement_approval_decide` bound to
the SOW content hash, and the message edited with every outcome."""

from __future__ import annotations

import json
from typing import Any

from django.db import models, transaction
from django.urls import reverse

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.board.approval_state import engagement_content_hash
from psdesk.chatops import blocks
from psdesk.chatops.models import SlackApprovalMessage
from psdesk.chatops.selectors import slack_policy_get
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.models import Engagement
from psdesk.estimates.selectors import estimate_margin_flag
from psdesk.notifications.events import PUBSEC_CHANNEL
from psdesk.notifications.links import link_for, site_url
from psdesk.notifications.services import outbox_enqueue
from psdesk.sows.selectors import sow_for_engagement

FINAL = (ApprovalKind.PS_LEADERSHIP, ApprovalKind.REVENUE)


def approval_card(req: ApprovalRequest, eng: Engagement) -> blocks.ApprovalCard:
    """The facts of a request as the approver reads them (display names, never keys)."""
    sow = sow_for_engagement(eng)
    version = sow.current if sow is not None else None
    if version is not None and version.content_hash == req.content_hash:
        value = f"{version.currency} {version.total:,.2f}"
        sow_label = f"SOW v{version.number}"
    else:
        value, sow_label = "see PS Desk", "SOW (changed since the request)" if version is not None else "no SOW"
    flag = estimate_margin_flag(eng)
    margin = f":warning: {flag}" if flag is not None else "at or above target"
    url = site_url(reverse("sows:engagement", args=[eng.pk])) if sow is not None else link_for(eng)
    return blocks.ApprovalCard(
        request_id=req.pk,
        engagement_id=eng.pk,
        content_hash=req.content_hash,
        kind_label=req.get_kind_display(),
        customer=eng.account.name,
        title=eng.title,
        value=value,
        margin=margin,
        sow_version=sow_label,
        url=url,
        requester=req.requester.get_full_name() or req.requester.get_username(),
    )


def approval_messages_post(*, event: str, target: models.Model | None, **_: Any) -> None:
    """Effect of `approval.requested` (runs inside the request's transaction): post the interactive
    message of every pending PS Leadership / Revenue request on the engagement that has none yet,
    to the approvals channel — or, for a US PubSec customer, only to the private PubSec channel."""
    if not isinstance(target, Engagement):
        return
    pending = (
        ApprovalRequest.objects.for_target(target)
        .filter(status=ApprovalStatus.PENDING, kind__in=FINAL)
        .select_related("requester")
    )
    eng = Engagement.objects.select_related("account").get(pk=target.pk)
    for req in pending:
        if SlackApprovalMessage.objects.filter(request=req).exists():
            continue
        pubsec = eng.account.us_public_sector
        channel = PUBSEC_CHANNEL if pubsec else slack_policy_get().approvals_channel
        key = f"chatops:approval:{req.pk}"
        SlackApprovalMessage.objects.create(request=req, post_key=key, channel=channel, pubsec=pubsec)
        text, body = blocks.approval_message(approval_card(req, eng))
        outbox_enqueue(
            target="chat",
            operation="send",
            destination=channel,
            event="approval.requested",
            payload={"channel": channel, "text": text, "blocks": body},
            source=eng,
            pubsec=pubsec,
            idempotency_key=key,
        )


def approval_message_update(*, req: ApprovalRequest, outcome: str) -> bool:
    """Edit the request's Slack message (if it has one) to show `outcome` without buttons, for
    everyone in its channel. Runs in the caller's transaction; delivery after commit."""
    msg = SlackApprovalMessage.objects.filter(request=req).first()
    if msg is None:
        return False
    eng = Engagement.objects.select_related("account").get(pk=req.target_id)
    text, body = blocks.approval_outcome(approval_card(req, eng), outcome)
    outbox_enqueue(
        target="chat",
        operation="update",
        destination=msg.channel,
        event="approval.decided",
        payload={"channel": msg.channel, "post_key": msg.post_key, "text": text, "blocks": body},
        source=eng,
        pubsec=msg.pubsec,
    )
    return True


def approval_message_after_decision(req: ApprovalRequest, decision: ApprovalDecision) -> None:
    """After-decision hook (approvals.register_after_decision; runs after the board's, so the card's
    new column is known): the message shows who decided, and Approved when both approvals landed."""
    if req.kind not in FINAL or req.target_type.model_class() is not Engagement:
        return
    who = decision.decider.get_full_name() or decision.decider.get_username()
    if decision.approve:
        outcome = f":white_check_mark: Approved by {who}"
    else:
        outcome = f":x: Rejected by {who}: {decision.comment}"
    state = Engagement.objects.filter(pk=req.target_id).values_list("state", flat=True).first()
    if state == EngagementStatus.APPROVED:
        outcome += ". Both approvals are in: the card moved to Approved."
    approval_message_update(req=req, outcome=outcome)


def approval_superseded_note(*, req: ApprovalRequest) -> None:
    """The message of a request whose SOW version was replaced says so (and loses its buttons)."""
    with transaction.atomic():
        approval_message_update(
            req=req,
            outcome=":arrows_counterclockwise: This SOW version was superseded; the approval must be asked "
            "for again on the current version in PS Desk.",
        )


def reject_modal_metadata(*, value: str, interaction_channel_id: str, channel_name: str, response_url: str) -> str:
    return json.dumps(
        {
            "value": value,
            "channel_id": interaction_channel_id,
            "channel_name": channel_name,
            "response_url": response_url,
        }
    )


def may_act_here(*, req_pubsec: bool, user: Any, pubsec_here: bool) -> bool:
    """A PubSec approval is decided only by a member, in the PubSec channel or a direct message."""
    return not req_pubsec or (user_is_pubsec(user) and pubsec_here)


def current_hash(eng: Engagement) -> str:
    return engagement_content_hash(eng)
