"""`manage.py forecast` (also `psdesk forecast`): run the forecast and print the queue.

forecast                      run (progress bar) and print the queue
forecast --no-run             print the queue of the latest run
forecast --whatif PSE:120:geo=3,PM:20 [--clearance]
forecast --commit 12 --start 2027-01-11 --as paula --confirm
forecast --enter --engagement 5 --closed-won 2026-11-27T10:00 --hours PSE:120,PM:20 --as paula
forecast --import-consultants consultants.csv --as paula
forecast --candidates 12       ranked candidates and allocations of a queue entry
forecast --import-queue projects.csv --as paula
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from psdesk.core.errors import DomainError
from psdesk.engagements.models import Engagement
from psdesk.scheduling import selectors, services
from psdesk.scheduling.models import QueueEntry


class Command(BaseCommand):
    help = "Run the lead-time forecast and print the delivery queue (or commit a start, what-if, enter, import)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-run", action="store_true")
        parser.add_argument("--as", dest="as_user", default="")
        parser.add_argument("--whatif", default="")
        parser.add_argument("--clearance", action="store_true")
        parser.add_argument("--commit", type=int)
        parser.add_argument("--start", type=date.fromisoformat)
        parser.add_argument("--confirm", action="store_true")
        parser.add_argument("--enter", action="store_true")
        parser.add_argument("--engagement", type=int)
        parser.add_argument("--closed-won", type=datetime.fromisoformat)
        parser.add_argument("--hours", default="")
        parser.add_argument("--service-type", default="other")
        parser.add_argument("--import-consultants", default="")
        parser.add_argument("--import-queue", default="", help="CSV of projects with role-hours")
        parser.add_argument("--candidates", type=int, help="rank candidates for a queue entry")
        parser.add_argument("--limit", type=int, default=50)

    def _user(self, name: str) -> Any:
        if not name:
            return None
        u = get_user_model().objects.filter(username=name).first()
        if u is None:
            raise CommandError(f"No user '{name}'.")
        return u

    def handle(self, *args: Any, **o: Any) -> None:
        user = self._user(o["as_user"])
        try:
            if o["import_consultants"]:
                with open(o["import_consultants"], encoding="utf-8") as fh:
                    n = services.consultants_import(text=fh.read(), actor=user)
                self.stdout.write(f"Imported {n} consultants.")
                return
            if o["import_queue"]:
                if user is None or not user.has_perm("scheduling.manage_queue"):
                    raise CommandError("Importing projects needs --as <user allowed to manage the queue>.")
                with open(o["import_queue"], encoding="utf-8") as fh:
                    n = services.queue_import(text=fh.read(), actor=user)
                self.stdout.write(f"Queued {n} projects.")
                return
            if o["commit"] is not None:
                if user is None:
                    raise CommandError("Committing a start needs --as <coordinator>.")
                e = services.start_commit(
                    entry_id=o["commit"],
                    start=o["start"],
                    confirm=o["confirm"],
                    actor=user,
                    queryset=QueueEntry.objects.visible_to(user),
                )
                self.stdout.write(f"Start of '{e.title}' committed: {e.committed_start}")
                return
            if o["enter"]:
                eng = Engagement.objects.visible_to(user).filter(pk=o["engagement"]).first() if user else None
                if eng is None:
                    raise CommandError("--enter needs --engagement <id> visible to --as <user>.")
                if not user.has_perm("scheduling.manage_queue"):
                    raise CommandError("Your role may not enter projects into the queue.")
                e = services.queue_enter(
                    role_hours=services.role_hours_parse(o["hours"]),
                    actor=user,
                    engagement=eng,
                    closed_won_at=o["closed_won"],
                    service_type=o["service_type"],
                )
                self.stdout.write(f"Queued '{e.title}' (entry {e.pk}).")
                return
            if o["candidates"] is not None:
                entry = selectors.entry_get(user=user or AnonymousUser(), entry_id=o["candidates"])
                for c in selectors.candidates_rank(entry=entry)[: o["limit"]]:
                    fit = "fits" if c.eligible else "no: " + ", ".join(c.reasons)
                    self.stdout.write(
                        f"{c.consultant.name:<24} {c.consultant.role:<8} {fit:<40} "
                        f"free {c.free_hours:>6} h  skill {c.skill_score:>2}  past {c.past_work}"
                    )
                for a in entry.allocations.select_related("consultant"):
                    self.stdout.write(
                        f"allocated: {a.consultant.name} {a.kind} {a.starts_on}..{a.ends_on} {a.weekly_hours} h/wk"
                    )
                return
            if o["whatif"]:
                w = services.whatif(
                    role_hours=services.role_hours_parse(o["whatif"]), requires_clearance=o["clearance"]
                )
                self.stdout.write(
                    f"Forecast P50 {w.p50_date or 'beyond horizon'}  P80 {w.p80_date or 'beyond horizon'}"
                    f"  ({w.samples} samples)\n{w.binding}"
                )
                return
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if not o["no_run"]:
            inputs_total = QueueEntry.objects.active().filter(kind="committed").count()  # one step each
            policy = services.policy_get()
            with tqdm(total=inputs_total + policy.samples, desc="forecast", unit="step", file=self.stderr) as bar:
                run = services.forecast_run(progress=bar.update)
            self.stdout.write(f"Forecast run {run.pk}: {run.samples} samples, {run.duration_ms} ms")
        total, rows = selectors.queue_list(user=user or AnonymousUser(), limit=o["limit"])
        self.stdout.write(f"{'#':>4}  {'project':<40} {'closed won':<10}  {'P50':<10}  {'P80':<10}  binding")
        for r in rows:
            res = r.result
            self.stdout.write(
                f"{r.position:>4}  {r.entry.title[:40]:<40} "
                f"{(r.entry.closed_won_at.date().isoformat() if r.entry.closed_won_at else 'pipeline'):<10}  "
                f"{(str(res.p50_date) if res and res.p50_date else '-'):<10}  "
                f"{(str(res.p80_date) if res and res.p80_date else '-'):<10}  {res.binding if res else ''}"
            )
        self.stdout.write(f"{total} projects in the queue.")
        if user is None:
            self.stdout.write("(US PubSec projects are listed only with --as <PubSec member>.)")
