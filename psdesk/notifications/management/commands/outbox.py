"""`manage.py outbox status|inflight|deliver|replay|why`: operate the durable outbox from the shell."""

from __future__ import annotations

import signal
import time
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core import clock
from psdesk.core.types import Actor
from psdesk.notifications.choices import OutboxStatus
from psdesk.notifications.delivery import outbox_deliver_due
from psdesk.notifications.models import OutboxMessage
from psdesk.notifications.selectors import outbox_explain, outbox_for_source, outbox_status
from psdesk.notifications.services import outbox_replay
from psdesk.notifications.tasks import outbox_sweep_task
from psdesk.notifications.wakeups import sweep_schedule


def _operator() -> Actor:
    """An unsaved superuser: CLI operators see every target's messages, PubSec included."""
    return get_user_model()(is_superuser=True, is_active=True)


class Command(ActorCommand):
    help = "Operate the durable outbox: status per target, deliver due messages, replay, why."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        add("status", "Counts per target, budget left and the last error.", as_user=False)
        add("inflight", "Messages being delivered now: since when, lease left, attempts, 429s.", as_user=False)
        d = add("deliver", "Deliver due messages now (a worker without django.tasks).", as_user=False)
        d.add_argument("--loop", action="store_true", help="keep delivering until interrupted (SIGTERM)")
        d.add_argument("--interval", type=float, default=1.0, help="seconds between sweeps with --loop (default 1)")
        d.add_argument("--limit", type=int, default=500, help="at most this many messages per sweep (default 500)")
        r = add("replay", "Queue a parked or retrying message again (audited as the --as user).")
        r.add_argument("message_id", type=int, help="the outbox message's id")
        w = add("why", "Why didn't this record sync? e.g. why engagements.engagement 7", as_user=False)
        w.add_argument("model", help="app_label.model of the record, e.g. engagements.engagement")
        w.add_argument("object_id", help="the record's id")

    def do_status(self, user: None, o: dict[str, Any]) -> None:
        self.stdout.write(f"{'target':<14}{'queued':>8}{'retry':>8}{'sent':>8}{'parked':>8}{'budget':>10}  last error")
        for t in outbox_status(user=_operator()):
            budget = f"{t.budget_tokens:.0f}/{t.budget_capacity:.0f}" if t.budget_capacity else "-"
            counts = f"{t.queued:>8}{t.retrying:>8}{t.sent:>8}{t.parked:>8}"
            self.stdout.write(f"{t.target:<14}{counts}{budget:>10}  {t.last_error[:80]}")

    def do_inflight(self, user: None, o: dict[str, Any]) -> None:
        now = clock.now()
        rows = OutboxMessage.objects.filter(status=OutboxStatus.DELIVERING).order_by("lease_until", "id")
        if not rows:
            self.stdout.write("Nothing is being delivered.")
        for m in rows:
            since = f"{(now - m.call_started_at).total_seconds():.1f} s" if m.call_started_at else "not started"
            left = (m.lease_until - now).total_seconds() if m.lease_until else 0.0
            state = f"lease {left:.1f} s left" if left > 0 else "lease ran out: the next sweep takes it over"
            self.stdout.write(
                f"#{m.pk} {m.target}.{m.operation} call {since}, {state}, attempts {m.attempts}, 429s {m.throttled}"
            )

    def do_deliver(self, user: None, o: dict[str, Any]) -> None:
        stop = False

        def _stop(*_: Any) -> None:
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        wake = partial(sweep_schedule, task=outbox_sweep_task)
        total = 0
        while True:
            sent = outbox_deliver_due(limit=o["limit"], wake=wake)
            total += sent
            if not o["loop"] or stop:
                break
            if not sent:
                time.sleep(o["interval"])
        self.stdout.write(f"sent {total}")

    def do_replay(self, user: Actor, o: dict[str, Any]) -> None:
        msg = outbox_replay(message_id=o["message_id"], actor=user)
        self.stdout.write(f"#{msg.pk} queued again")

    def do_why(self, user: None, o: dict[str, Any]) -> None:
        msgs = outbox_for_source(user=_operator(), model=o["model"], object_id=o["object_id"])
        if not msgs:
            self.stdout.write("No outbox messages for this record.")
        for m in msgs:
            self.stdout.write(
                f"#{m.pk} {m.target}.{m.operation} → {m.destination or '-'} [{m.status}] {outbox_explain(m)}"
            )
