"""The Slack request URL (commands and interactivity, one endpoint) and the Slack link page."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from psdesk.chatops import blocks
from psdesk.chatops.choices import InteractionKind, InteractionStatus
from psdesk.chatops.models import SlackInteraction
from psdesk.chatops.selectors import slack_links_of
from psdesk.chatops.services import slack_link_confirm, slack_link_remove, slack_request_receive
from psdesk.chatops.services.approvals import reject_modal_metadata
from psdesk.chatops.tasks import slack_interaction_task
from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.registry import adapter_get

log = logging.getLogger("psdesk.chatops")
ACK = "On it - the answer follows here in a moment."


@csrf_exempt
@require_POST
def slack_inbound(request: HttpRequest) -> HttpResponse:
    """Slack's request URL: verify (401), refuse replays (409), record, acknowledge at once; the
    worker answers through the response_url. The Reject button opens its reason dialog here,
    because Slack's trigger is valid for 3 seconds only."""
    try:
        interaction = slack_request_receive(body=request.body, headers=request.headers)
    except DomainError as exc:
        return JsonResponse({"code": exc.code, "message": exc.message, "details": exc.details}, status=exc.status)
    if interaction.status == InteractionStatus.RECEIVED:
        transaction.on_commit(lambda: slack_interaction_task.enqueue(interaction_id=interaction.pk), robust=True)
    if interaction.kind == InteractionKind.COMMAND:
        return JsonResponse({"response_type": "ephemeral", "text": ACK})
    if interaction.kind == InteractionKind.BLOCK_ACTION:
        _reject_dialog_open(interaction)
        return HttpResponse(status=200)
    if not blocks.reject_reason(interaction.payload):
        return JsonResponse({"response_action": "errors", "errors": {blocks.REASON_BLOCK: "Say why you reject it."}})
    return HttpResponse(status=200)


def _reject_dialog_open(interaction: SlackInteraction) -> None:
    actions = interaction.payload.get("actions") or []
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    trigger = str(interaction.payload.get("trigger_id", ""))
    if action.get("action_id") != blocks.REJECT_ACTION or not trigger:
        return
    meta = reject_modal_metadata(
        value=str(action.get("value", "")),
        interaction_channel_id=interaction.channel_id,
        channel_name=interaction.channel_name,
        response_url=interaction.response_url,
    )
    try:
        adapter_get("chat").modal_open(
            trigger_id=trigger, view=blocks.reject_modal(private_metadata=meta, kind_label="approval")
        )
    except IntegrationError as exc:
        log.warning("Slack reject dialog not opened: %s", exc.message)


@require_http_methods(["GET", "POST"])
def slack_link(request: AuthedRequest) -> HttpResponse:
    """Connect the Slack account named by the code `/ps link` gave (shown, then confirmed by POST)."""
    code = (request.POST.get("code") if request.method == "POST" else request.GET.get("code")) or ""
    if request.method == "POST":
        try:
            slack_link_confirm(user=request.user, code=code)
        except DomainError as exc:
            messages.error(request, exc.message)
            return render(
                request,
                "chatops/slack_link.html",
                {"code": code, "links": slack_links_of(request.user)},
                status=exc.status,
            )
        messages.success(request, "Your Slack account is linked: PS Desk answers you in Slack now.")
        return redirect("accounts:profile")
    return render(request, "chatops/slack_link.html", {"code": code[:2000], "links": slack_links_of(request.user)})


@require_POST
def slack_unlink(request: AuthedRequest, link_id: int) -> HttpResponse:
    """Remove one of your own Slack links (audited)."""
    try:
        slack_link_remove(user=request.user, link_id=link_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Slack account unlinked.")
    return redirect("accounts:profile")
