"""The worker's side of the Slack app: answer each recorded command, click or dialog through its
`response_url` (outbox, after commit). Unknown members get a private hint to link and nothing else;
PubSec details appear only to members in the PubSec channel or a direct message."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.approvals.models import ApprovalRequest
from psdesk.board.services import engagement_approval_decide
from psdesk.chatops import blocks
from psdesk.chatops.choices import InteractionKind, InteractionStatus
from psdesk.chatops.models import SlackApprovalMessage, SlackAsk, SlackInteraction
from psdesk.chatops.selectors import (
    lead_time_rows,
    project_forecasts,
    pubsec_context,
    service_lead_time,
    service_type_match,
)
from psdesk.chatops.services.approvals import approval_superseded_note, may_act_here
from psdesk.chatops.services.users import slack_link_code, slack_user_resolve
from psdesk.core import clock
from psdesk.core.errors import Conflict, DomainError, NotFound
from psdesk.crm.models import Account
from psdesk.notifications.links import site_url
from psdesk.notifications.services import outbox_enqueue
from psdesk.scoping.choices import AskPsKind, AskPsRoute
from psdesk.scoping.services import ask_ps_submit, pubsec_access_request

log = logging.getLogger("psdesk.chatops")

UNLINKED = (
    "I don't know who you are in PS Desk yet. Run `/ps link` and open the link it gives you to "
    "connect your Slack account (or ask PS Ops to give your PS Desk user the email Slack has for you)."
)


def _reply(
    interaction: SlackInteraction, text: str, *, replace_original: bool = False, pubsec: bool = False, n: int = 0
) -> None:
    """Queue the answer to `interaction` (ephemeral: only the person who asked sees it)."""
    interaction.answer = text[:10_000]
    if not interaction.response_url:
        return
    outbox_enqueue(
        target="chat",
        operation="respond",
        destination="response_url",
        event="chatops.reply",
        payload={
            "response_url": interaction.response_url,
            "text": text,
            "blocks": blocks.text_blocks(text),
            "replace_original": replace_original,
            "response_type": "ephemeral",
        },
        pubsec=pubsec,
        idempotency_key=f"chatops:reply:{interaction.pk}:{n}",
    )


def _finish(interaction: SlackInteraction, status: str = InteractionStatus.ANSWERED) -> None:
    interaction.status, interaction.processed_at = status, clock.now()
    interaction.save(update_fields=["status", "processed_at", "answer", "user"])


def interaction_process(*, interaction_id: int) -> str:
    """Answer one recorded interaction (once: an answered one is left alone). Returns its status."""
    interaction = SlackInteraction.objects.filter(pk=interaction_id).first()
    if interaction is None or interaction.status != InteractionStatus.RECEIVED:
        return interaction.status if interaction else "missing"
    command = str(interaction.payload.get("text", "")).strip() if interaction.kind == InteractionKind.COMMAND else ""
    if command.split(" ", 1)[0].lower() == "link":
        with transaction.atomic():
            code = slack_link_code(team_id=interaction.team_id, slack_user_id=interaction.slack_user_id)
            url = site_url(reverse("chatops:slack_link")) + f"?code={code}"
            _reply(
                interaction,
                f"Open <{url}|this link> while signed in to PS Desk to connect your Slack account (valid 15 minutes).",
            )
            _finish(interaction)
        return interaction.status
    user = slack_user_resolve(team_id=interaction.team_id, slack_user_id=interaction.slack_user_id)
    try:
        with transaction.atomic():
            interaction.user = user
            if user is None:
                _reply(interaction, UNLINKED)
            elif interaction.kind == InteractionKind.COMMAND:
                _command(interaction, user, command)
            elif interaction.kind == InteractionKind.BLOCK_ACTION:
                _block_action(interaction, user)
            else:
                _reject_submitted(interaction, user)
            _finish(interaction)
    except Exception:  # an answer is owed even when PS Desk fails; the error goes to the log
        log.exception("Slack interaction %s failed", interaction.pk)
        with transaction.atomic():
            interaction.user = user
            _reply(
                interaction,
                "Something went wrong on PS Desk's side; nothing was changed. Try again, or use PS Desk.",
                n=1,
            )
            _finish(interaction, InteractionStatus.FAILED)
    return interaction.status


# --- commands --------------------------------------------------------------------------------------


def _command(interaction: SlackInteraction, user: User, text: str) -> None:
    name, _, rest = text.partition(" ")
    name, rest = name.lower(), rest.strip()
    if name == "leadtime":
        _reply(interaction, leadtime_answer(interaction=interaction, user=user, query=rest))
    elif name == "ask":
        _ask(interaction, user, rest)
    elif name == "pubsec-access":
        _pubsec_access(interaction, user, rest)
    else:
        _reply(interaction, blocks.HELP)


def _fmt(d: Any) -> str:
    return f"{d:%a %d %b %Y}" if d else "beyond the planning horizon"


def leadtime_answer(*, interaction: SlackInteraction, user: User, query: str) -> str:
    """`/ps leadtime [service type | account | opportunity]` in words."""
    if not user.has_perm("scheduling.view_leadtime"):
        return "Your role may not see lead times; ask PS Ops (`@ps-scheduling`)."
    rows = lead_time_rows()
    if not rows:
        return "No forecast has run yet; ask `@ps-scheduling`."
    table = "\n".join(
        f"• {r.label}: P50 {r.median_weeks if r.median_weeks is not None else '-'} wk, "
        f"P80 {r.p80_weeks if r.p80_weeks is not None else '-'} wk ({r.projects} projects)"
        for r in rows
    )
    footer = "_Weeks from closed won to start; a forecast, not a commitment._"
    if not query:
        return f"*Published lead times* (latest forecast)\n{table}\n{footer}"
    pubsec = pubsec_context(interaction, user)
    service = service_type_match(query)
    if service is not None:
        lt = service_lead_time(service_type=service, pubsec=pubsec)
        label = lt.row.label if lt.row else service
        binding = lt.binding or "nothing queued of this type: capacity alone sets it"
        return (
            f"*{label}* if it closed today: start P50 {_fmt(lt.p50_start)}, P80 {_fmt(lt.p80_start)}.\n"
            f"*Binding constraint:* {binding}\n\n*Published lead times*\n{table}\n{footer}"
        )
    if not user.has_perm("scheduling.view_queueentry"):
        return "Your role may not see project forecasts; ask the engagement manager or `@ps-scheduling`."
    found = project_forecasts(user=user, query=query, pubsec=pubsec)
    if not found:
        return f"Nothing in the delivery queue matches '{query[:80]}' that you may see here."
    lines = [
        f"• <{site_url(f.entry.get_absolute_url())}|{f.entry.title}> ({f.entry.account.name}): "
        f"start P50 {_fmt(f.p50_date)}, P80 {_fmt(f.p80_date)}; {f.binding}"
        for f in found
    ]
    return "*Forecast*\n" + "\n".join(lines) + f"\n{footer}"


_ACCOUNT_PREFIX = re.compile(r"^\[(?P<account>[^\]]{1,200})\]\s*(?P<question>.*)$", re.S)


def _ask(interaction: SlackInteraction, user: User, text: str) -> None:
    if not text:
        _reply(interaction, "Say what you want to ask: `/ps ask <question>` or `/ps ask [Account name] <question>`.")
        return
    account_id = None
    match = _ACCOUNT_PREFIX.match(text)
    if match:
        name, text = match["account"].strip(), match["question"].strip()
        account = Account.objects.visible_to(user).filter(name__iexact=name).first()
        if account is None:
            _reply(interaction, f"No account named '{name[:80]}' that you may see; check the name in PS Desk.")
            return
        account_id = account.pk
    subject = text.splitlines()[0][:80] if text else ""
    try:
        with transaction.atomic():
            req = ask_ps_submit(
                asker=user,
                kind=AskPsKind.ACCOUNT if account_id else AskPsKind.GENERAL,
                subject=subject,
                body=text,
                account_id=account_id,
            )
            SlackAsk.objects.create(request=req, slack_user_id=interaction.slack_user_id)
    except DomainError as exc:
        _reply(interaction, f"Not asked: {exc.message}")
        return
    url = site_url(req.get_absolute_url())
    if req.route == AskPsRoute.EM and req.routed_to is not None:
        where = f"the engagement manager of the account, {req.routed_to.get_full_name() or req.routed_to.username}"
    elif req.route == AskPsRoute.PUBSEC_CHANNEL:
        where = "the private US Public Sector channel" if pubsec_context(interaction, user) else "PS"
    else:
        where = "the PS channel"
    _reply(interaction, f"Asked PS: <{url}|your question> went to {where}. The answer comes back to you here.")


def _pubsec_access(interaction: SlackInteraction, user: User, text: str) -> None:
    try:
        pubsec_access_request(user=user, justification=text)
    except DomainError as exc:
        _reply(interaction, f"Not requested: {exc.message}")
        return
    _reply(
        interaction,
        "Your US Public Sector access request is with PS Ops: a PS Ops Manager approves, and a second "
        "approver confirms. You will hear here and in PS Desk when it is decided.",
    )


# --- clicks and the reject dialog ------------------------------------------------------------------


def _decide(interaction: SlackInteraction, user: User, value: str, *, approve: bool, reason: str = "") -> None:
    parsed = blocks.button_value_parse(value)
    if parsed is None:
        _reply(interaction, "That button is not one PS Desk made.")
        return
    request_id, engagement_id, content_hash = parsed
    msg = SlackApprovalMessage.objects.filter(request_id=request_id).first()
    if msg is not None and not may_act_here(
        req_pubsec=msg.pubsec, user=user, pubsec_here=pubsec_context(interaction, user)
    ):
        _reply(interaction, "That approval is not one you may decide here.")
        return
    try:
        with transaction.atomic():
            engagement_approval_decide(
                engagement_id=engagement_id,
                request_id=request_id,
                decider=user,
                approve=approve,
                content_hash=content_hash,
                comment=reason,
            )
    except NotFound:
        _reply(interaction, "That approval is not one you may see.")
        return
    except Conflict as exc:
        if exc.code == "stale_hash":
            req = ApprovalRequest.objects.get(pk=request_id)
            approval_superseded_note(req=req)
            _reply(
                interaction,
                "Refused: the SOW changed since this approval was requested; review the current version in PS Desk.",
            )
            return
        _reply(interaction, f"Refused: {exc.message}")
        return
    except DomainError as exc:
        _reply(interaction, f"Refused: {exc.message}")
        return
    _reply(interaction, "Recorded: " + ("approved." if approve else "rejected."))


def _block_action(interaction: SlackInteraction, user: User) -> None:
    actions = interaction.payload.get("actions") or []
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    if action.get("action_id") == blocks.APPROVE_ACTION:
        _decide(interaction, user, str(action.get("value", "")), approve=True)
    elif action.get("action_id") == blocks.REJECT_ACTION:
        interaction.answer = "reject dialog opened"  # the dialog was opened while Slack waited
    else:
        _reply(interaction, "PS Desk does not know that button.")


def _reject_submitted(interaction: SlackInteraction, user: User) -> None:
    view = interaction.payload.get("view") or {}
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    reason = blocks.reject_reason(interaction.payload)
    _decide(interaction, user, str(meta.get("value", "")), approve=False, reason=reason)


# --- the answer goes back to Slack -----------------------------------------------------------------


def ask_answer_to_slack(*, event: str, target: Any, context: dict[str, Any], **_: Any) -> None:
    """Effect of `ask_ps.answered`: a question asked from Slack gets its answer there, by direct
    message to the asker (PubSec ones only while the asker is a member)."""
    origin = SlackAsk.objects.filter(request_id=getattr(target, "pk", None)).select_related("request__asker").first()
    if origin is None:
        return
    req = origin.request
    pubsec = bool(req.account_id and req.account and req.account.us_public_sector)
    if pubsec and not user_is_pubsec(req.asker):
        return
    url = site_url(req.get_absolute_url())
    text = f"*PS answered your question* '{req.subject}':\n{context.get('answer', '')}\n<{url}|Open in PS Desk>"
    outbox_enqueue(
        target="chat",
        operation="send",
        destination=origin.slack_user_id,
        event=event,
        payload={"channel": origin.slack_user_id, "text": text, "blocks": blocks.text_blocks(text)},
        source=req,
        pubsec=pubsec,
    )
