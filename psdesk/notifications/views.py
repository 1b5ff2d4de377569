"""Pages: my notifications (with unread count), the outbox ops page, one message's "why"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.notifications.choices import Channel, OutboxStatus
from psdesk.notifications.events import EVENTS
from psdesk.notifications.models import NotificationPreference
from psdesk.notifications.selectors import (
    notification_list,
    outbox_budgets_attach,
    outbox_explain,
    outbox_get,
    outbox_status,
    outbox_visible,
    payload_fields,
    unread_count,
)
from psdesk.notifications.services import notification_mark_read, outbox_replay, preference_set


def inbox(request: AuthedRequest) -> HttpResponse:
    items = list(notification_list(user=request.user)[:100])
    return render(request, "notifications/inbox.html", {"items": items, "unread": unread_count(user=request.user)})


@require_POST
def mark_read(request: AuthedRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    notification_mark_read(user=request.user, notification_ids=ids or None)
    return redirect("notifications:inbox")


@permission_required("notifications.view_outbox", raise_exception=True)
def outbox(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    target = request.GET.get("target", "")[:32]
    qs = outbox_visible(user=request.user).order_by("-id")
    if status in OutboxStatus.values:
        qs = qs.filter(status=status)
    if target:
        qs = qs.filter(target=target)
    rows = [(m, outbox_explain(m), payload_fields(m)) for m in outbox_budgets_attach(list(qs[:100]))]
    return render(
        request,
        "notifications/outbox.html",
        {
            "targets": outbox_status(user=request.user),
            "rows": rows,
            "status": status,
            "target": target,
            "statuses": OutboxStatus.choices,
        },
    )


@permission_required("notifications.view_outbox", raise_exception=True)
def outbox_detail(request: AuthedRequest, message_id: int) -> HttpResponse:
    try:
        msg = outbox_get(user=request.user, message_id=message_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    return render(
        request,
        "notifications/outbox_detail.html",
        {
            "msg": msg,
            "why": outbox_explain(msg),
            "fields": payload_fields(msg),
            "attempts": msg.attempt_log.all(),
            "can_replay": request.user.has_perm("notifications.replay_outbox"),
        },
    )


@require_POST
@permission_required("notifications.replay_outbox", raise_exception=True)
def outbox_replay_view(request: AuthedRequest, message_id: int) -> HttpResponse:
    try:
        outbox_get(user=request.user, message_id=message_id)
        outbox_replay(message_id=message_id, actor=request.user)
        messages.success(request, "Queued again.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("notifications:outbox_detail", message_id=message_id)


def preferences(request: AuthedRequest) -> HttpResponse:
    """Which events reach me on which channel: a grid of checkboxes (unchecked = off)."""
    user = request.user
    channels = [c for c in Channel.values if c != "chat"]  # chat goes to team channels, not people
    if request.method == "POST":
        for name in EVENTS:
            for ch in channels:
                preference_set(user=user, channel=ch, event=name, enabled=f"{name}:{ch}" in request.POST)
        messages.success(request, "Preferences saved.")
        return redirect("notifications:preferences")
    off = {(p.event, p.channel) for p in NotificationPreference.objects.filter(user=user, enabled=False)}
    rows = [
        {
            "name": ev.name,
            "label": ev.label,
            "cells": [(ch, f"{ev.name}:{ch}", (ev.name, ch) not in off and ("", ch) not in off) for ch in channels],
        }
        for ev in EVENTS.values()
    ]
    return render(request, "notifications/preferences.html", {"rows": rows, "channels": channels})
