"""`manage.py notify test <channel>`: send one test message through the configured adapter now."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from psdesk.notifications.delivery import outbox_deliver_one
from psdesk.notifications.emails import email_render
from psdesk.notifications.events import CHAT_DESTINATIONS
from psdesk.notifications.links import site_url
from psdesk.notifications.selectors import outbox_explain
from psdesk.notifications.services import notify, outbox_enqueue
from psdesk.notifications.tasks import outbox_sweep_task
from psdesk.notifications.wakeups import sweep_schedule


class Command(BaseCommand):
    help = "Notification channels: `notify test chat|email|in_app [--to DEST]` proves one works end to end."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        t = sub.add_parser("test", help="Send one test message through the channel's configured adapter now.")
        t.add_argument("channel", choices=["chat", "email", "in_app"], help="the channel to prove")
        t.add_argument("--to", default="", help="channel (#x), email address, or username for in_app")

    def handle(self, *args: Any, **opts: Any) -> None:
        channel, to = opts["channel"], opts["to"]
        if channel == "in_app":
            user = get_user_model().objects.filter(username=to).first()
            if user is None:
                raise CommandError("in_app needs --to <username>")
            with transaction.atomic():
                notify(event="notify.test", target=None, recipients=[user])
            self.stdout.write(f"in-app notification created for {user.username}")
            return
        if channel == "chat":
            dest = to or CHAT_DESTINATIONS["ps"]
            payload: dict[str, Any] = {"channel": dest, "text": ":white_check_mark: PS Desk test message"}
        else:
            if "@" not in to:
                raise CommandError("email needs --to <address>")
            dest = to
            email = email_render(
                name="notification",
                subject="[PS Desk] Test message",
                context={
                    "label": "Test message",
                    "body": "PS Desk can send you email.",
                    "html_body": "PS Desk can send you email.",
                    "url": site_url("/"),
                },
            )
            payload = {"to": [to], **email.payload()}
        with transaction.atomic():
            msg = outbox_enqueue(
                target=channel, operation="send", destination=dest, event="notify.test", payload=payload
            )
        outcome = outbox_deliver_one(message_id=msg.pk, wake=partial(sweep_schedule, task=outbox_sweep_task))
        msg.refresh_from_db()
        adapter = getattr(settings, "PSDESK_ADAPTERS", {}).get(channel, "?")
        self.stdout.write(f"{channel} via {adapter} → {dest}: {outcome.result}. {outbox_explain(msg)}")
        if outcome.result != "sent":
            raise CommandError(f"not delivered: {msg.last_error or outcome.result}")
