"""`manage.py outbox status|deliver|replay|why`: operate the durable outbox from the shell."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.notifications.delivery import outbox_deliver_due
from psdesk.notifications.selectors import outbox_explain, outbox_for_source, outbox_status
from psdesk.notifications.services import outbox_replay


class Command(BaseCommand):
    help = "Outbox: status per target, deliver due messages (once or --loop), replay a parked message, why."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="Counts per target, budget left, last error")
        d = sub.add_parser("deliver", help="Deliver due messages now (a worker without django.tasks)")
        d.add_argument("--loop", action="store_true", help="Keep delivering until interrupted")
        d.add_argument("--interval", type=float, default=1.0, help="Seconds between sweeps with --loop")
        d.add_argument("--limit", type=int, default=500)
        r = sub.add_parser("replay", help="Queue a parked/retrying message again")
        r.add_argument("message_id", type=int)
        r.add_argument("--as", dest="actor", default="", help="Username recorded in the audit log")
        w = sub.add_parser("why", help="Why didn't this record sync? e.g. why engagements.engagement 7")
        w.add_argument("model")
        w.add_argument("object_id")

    def handle(self, *args: Any, **opts: Any) -> None:
        superuser = get_user_model()(is_superuser=True, is_active=True)  # CLI operators see everything
        action = opts["action"]
        if action == "status":
            rows = outbox_status(user=superuser)
            self.stdout.write(
                f"{'target':<14}{'queued':>8}{'retry':>8}{'sent':>8}{'parked':>8}{'budget':>10}  last error"
            )
            for t in rows:
                budget = f"{t.budget_tokens:.0f}/{t.budget_capacity:.0f}" if t.budget_capacity else "-"
                counts = f"{t.queued:>8}{t.retrying:>8}{t.sent:>8}{t.parked:>8}"
                self.stdout.write(f"{t.target:<14}{counts}{budget:>10}  {t.last_error[:80]}")
        elif action == "deliver":
            stop = False

            def _stop(*_: Any) -> None:
                nonlocal stop
                stop = True

            signal.signal(signal.SIGTERM, _stop)
            total = 0
            while True:
                sent = outbox_deliver_due(limit=opts["limit"])
                total += sent
                if not opts["loop"] or stop:
                    break
                if not sent:
                    time.sleep(opts["interval"])
            self.stdout.write(f"sent {total}")
        elif action == "replay":
            actor = get_user_model().objects.filter(username=opts["actor"]).first() if opts["actor"] else None
            try:
                msg = outbox_replay(message_id=opts["message_id"], actor=actor)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"#{msg.pk} queued again")
        elif action == "why":
            try:
                msgs = outbox_for_source(user=superuser, model=opts["model"], object_id=opts["object_id"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            if not msgs:
                self.stdout.write("No outbox messages for this record.")
            for m in msgs:
                self.stdout.write(
                    f"#{m.pk} {m.target}.{m.operation} → {m.destination or '-'} [{m.status}] {outbox_explain(m)}"
                )
