"""`manage.py forecast <subcommand>` (also `psdesk forecast`): the lead-time forecast and the delivery
queue from the command line. See docs/howto/forecast.md for examples."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from psdesk.accounts.cli import ActorCommand, SubcommandAdder, actor_get
from psdesk.core.types import Actor, AnyUser
from psdesk.engagements.models import Engagement
from psdesk.scheduling import selectors, services
from psdesk.scheduling.models import QueueEntry
from psdesk.scheduling.role_hours import role_hours_parse

ROLE_HOURS_HELP = "role-hours as ROLE:HOURS[:skill=level;...], comma-separated, e.g. PSE:120:geo=3,PM:20"


def _optional_as(p: CommandParser, why: str) -> None:
    p.add_argument("--as", dest="as_user", default="", metavar="USER", help=f"act as this user ({why})")


def _limit(p: CommandParser, what: str) -> None:
    p.add_argument("--limit", type=int, default=50, help=f"at most this many {what} (default 50)")


class Command(ActorCommand):
    help = "The lead-time forecast and the delivery queue: run, print, what-if, enter, commit, staff, import."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        run = add("run", "Run the forecast (with a progress bar) and print the queue.", as_user=False)
        _optional_as(run, "without it US PubSec projects are left out of the printed queue")
        _limit(run, "queue rows")
        queue = add("queue", "Print the queue with the latest run's forecast (no new run).", as_user=False)
        _optional_as(queue, "without it US PubSec projects are left out")
        _limit(queue, "queue rows")
        whatif = add("whatif", "Forecast a hypothetical project from the latest run; saves nothing.", as_user=False)
        whatif.add_argument("role_hours", metavar="ROLE_HOURS", help=ROLE_HOURS_HELP)
        whatif.add_argument("--clearance", action="store_true", help="the project needs cleared consultants")
        commit = add("commit", "Commit a queue entry's start date (Closed Won, coordinator, confirmed).")
        commit.add_argument("entry_id", type=int, help="the queue entry's id")
        commit.add_argument("--start", type=date.fromisoformat, help="the start date, YYYY-MM-DD")
        commit.add_argument("--confirm", action="store_true", help="confirm the commitment explicitly")
        enter = add("enter", "Enter an engagement's project into the queue with its role-hours.")
        enter.add_argument("--engagement", type=int, required=True, help="the engagement's id")
        enter.add_argument(
            "--closed-won", type=datetime.fromisoformat, help="closed-won time, ISO 8601 (committed work)"
        )
        enter.add_argument("--hours", default="", help=ROLE_HOURS_HELP)
        enter.add_argument("--service-type", default="other", help="service type, e.g. implementation (default other)")
        candidates = add("candidates", "Rank consultants for a queue entry and list its allocations.", as_user=False)
        candidates.add_argument("entry_id", type=int, help="the queue entry's id")
        _optional_as(candidates, "PubSec entries are found only for PubSec members")
        _limit(candidates, "candidates")
        consultants = add("import-consultants", "Create or update consultants from a CSV file.", as_user=False)
        consultants.add_argument("path", help="the CSV file (columns in docs/howto/forecast.md)")
        _optional_as(consultants, "recorded as the actor of the import")
        projects = add("import-queue", "Enter projects with role-hours from a CSV file.")
        projects.add_argument("path", help="the CSV file (columns in docs/howto/forecast.md)")

    @staticmethod
    def _reader(o: dict[str, Any]) -> Actor | None:
        return actor_get(o["as_user"]) if o["as_user"] else None

    def do_run(self, _user: None, o: dict[str, Any]) -> None:
        reader = self._reader(o)
        steps = QueueEntry.objects.active().filter(kind="committed").count()  # one step each, then samples
        policy = selectors.policy_get()
        with tqdm(total=steps + policy.samples, desc="forecast", unit="step", file=self.stderr) as bar:
            run = services.forecast_run(progress=bar.update)
        self.stdout.write(f"Forecast run {run.pk}: {run.samples} samples, {run.duration_ms} ms")
        self._queue_print(reader, o["limit"])

    def do_queue(self, _user: None, o: dict[str, Any]) -> None:
        self._queue_print(self._reader(o), o["limit"])

    def _queue_print(self, reader: Actor | None, limit: int) -> None:
        viewer: AnyUser = reader or AnonymousUser()
        total, rows = selectors.queue_list(user=viewer, limit=limit)
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
        if reader is None:
            self.stdout.write("(US PubSec projects are listed only with --as <PubSec member>.)")

    def do_whatif(self, _user: None, o: dict[str, Any]) -> None:
        w = selectors.hypothetical_forecast_get(
            role_hours=role_hours_parse(text=o["role_hours"]), requires_clearance=o["clearance"]
        )
        self.stdout.write(
            f"Forecast P50 {w.p50_date or 'beyond horizon'}  P80 {w.p80_date or 'beyond horizon'}"
            f"  ({w.samples} samples)\n{w.binding}"
        )

    def do_commit(self, user: Actor, o: dict[str, Any]) -> None:
        e = services.queue_entry_start_commit(
            entry_id=o["entry_id"],
            start=o["start"],
            confirm=o["confirm"],
            actor=user,
            queryset=QueueEntry.objects.visible_to(user),
        )
        self.stdout.write(f"Start of '{e.title}' committed: {e.committed_start}")

    def do_enter(self, user: Actor, o: dict[str, Any]) -> None:
        eng = Engagement.objects.visible_to(user).filter(pk=o["engagement"]).first()
        if eng is None:
            raise CommandError(f"No engagement {o['engagement']} visible to {user.username}.")
        if not user.has_perm("scheduling.manage_queue"):
            raise CommandError("Your role may not enter projects into the queue.")
        e = services.queue_enter(
            role_hours=role_hours_parse(text=o["hours"]),
            actor=user,
            engagement=eng,
            closed_won_at=o["closed_won"],
            service_type=o["service_type"],
        )
        self.stdout.write(f"Queued '{e.title}' (entry {e.pk}).")

    def do_candidates(self, _user: None, o: dict[str, Any]) -> None:
        viewer: AnyUser = self._reader(o) or AnonymousUser()
        entry = selectors.entry_get(user=viewer, entry_id=o["entry_id"])
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

    def do_import_consultants(self, _user: None, o: dict[str, Any]) -> None:
        with open(o["path"], encoding="utf-8") as fh:
            n = services.consultants_import(text=fh.read(), actor=self._reader(o))
        self.stdout.write(f"Imported {n} consultants.")

    def do_import_queue(self, user: Actor, o: dict[str, Any]) -> None:
        if not user.has_perm("scheduling.manage_queue"):
            raise CommandError("Importing projects needs --as <user allowed to manage the queue>.")
        with open(o["path"], encoding="utf-8") as fh:
            n = services.queue_import(text=fh.read(), actor=user)
        self.stdout.write(f"Queued {n} projects.")
