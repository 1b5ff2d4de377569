from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core import clock
from psdesk.core.types import Actor
from psdesk.timesheets import selectors, services


class Command(ActorCommand):
    help = "Time entries, weekly approval, work at risk and budget burn, as a given user (PubSec rules apply)."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        lg = add("log", "Set your hours on a project task and day (0 removes the entry).")
        lg.add_argument("task_id", type=int, help="the project task's id")
        lg.add_argument("day", type=date.fromisoformat, help="the day worked, YYYY-MM-DD")
        lg.add_argument("hours", help="hours in quarter hours, e.g. 7.5")
        lg.add_argument("--note", default="", help="what the time was spent on")
        lg.add_argument("--non-billable", action="store_true", help="the hours are not billable")
        lg.add_argument("--ack-over-budget", action="store_true", help="log hours beyond the task's budget")
        im = add("import", "Import time from a CSV file (task_id, day, hours, ...) and print the per-row report.")
        im.add_argument("path", type=Path, help="the CSV file")
        sb = add("submit", "Submit your week on a project for approval.")
        sb.add_argument("project_id", type=int, help="the project's id")
        sb.add_argument(
            "--week", type=date.fromisoformat, default=None, help="any day of the week (default: this week)"
        )
        ap = add("approve", "Approve a submitted week (the project's manager).")
        ap.add_argument("week_id", type=int, help="the timesheet week's id")
        rt = add("return", "Return a submitted week for correction, with a reason.")
        rt.add_argument("week_id", type=int, help="the timesheet week's id")
        rt.add_argument("--reason", required=True, help="what to correct")
        add("pending", "List the weeks waiting for your approval.")
        bn = add("burn", "Show a project's budget burn and forecast at completion.")
        bn.add_argument("project_id", type=int, help="the project's id")

    def do_log(self, user: Actor, o: dict[str, Any]) -> None:
        e = services.time_entry_set(
            actor=user,
            task_id=o["task_id"],
            day=o["day"],
            hours=o["hours"],
            note=o["note"],
            billable=not o["non_billable"],
            acknowledge_over_budget=o["ack_over_budget"],
        )
        self.stdout.write(
            "removed"
            if e is None
            else f"entry {e.pk}: {e.hours} h on {e.day}{' (over budget)' if e.over_budget else ''}"
        )

    def do_import(self, user: Actor, o: dict[str, Any]) -> None:
        path: Path = o["path"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        report = services.time_import_csv(actor=user, content=path.read_bytes())
        for r in report.rows:
            self.stdout.write(f"row {r.row:>5}  {'stored ' if r.ok else 'REFUSED'}  {r.message}")
        self.stdout.write(f"{report.stored} stored, {report.refused} refused")

    def do_submit(self, user: Actor, o: dict[str, Any]) -> None:
        a = services.week_submit(actor=user, project_id=o["project_id"], week_start=o["week"] or clock.today())
        self.stdout.write(f"week {a.obj.pk}: {a.source} → {a.target}")

    def do_approve(self, user: Actor, o: dict[str, Any]) -> None:
        a = services.week_transition(week_id=o["week_id"], action="approve", actor=user)
        self.stdout.write(f"week {o['week_id']}: {a.source} → {a.target}")

    def do_return(self, user: Actor, o: dict[str, Any]) -> None:
        a = services.week_transition(week_id=o["week_id"], action="return", actor=user, reason=o["reason"])
        self.stdout.write(f"week {o['week_id']}: {a.source} → {a.target}")

    def do_pending(self, user: Actor, o: dict[str, Any]) -> None:
        if not user.has_perm("timesheets.approve_timesheet"):
            raise CommandError(f"403: {user.username} does not approve timesheets")
        for w in selectors.weeks_to_approve(user).select_related("consultant", "project")[:500]:
            self.stdout.write(f"{w.pk:>6}  {w.week_start}  {w.consultant.name:<30} {w.project.name}")

    def do_burn(self, user: Actor, o: dict[str, Any]) -> None:
        if not user.has_perm("timesheets.view_budget"):
            raise CommandError(f"403: {user.username} may not see budgets")
        view = selectors.budget_burn(selectors.project_get_for_burn(user=user, project_id=o["project_id"]))
        b = view.burn
        margin = "—" if b.margin_at_completion is None else f"{b.margin_at_completion:.1%}"
        self.stdout.write(
            f"budget {b.budget_hours} h / {view.currency} {b.budget_fee}; actual {b.actual_hours} h "
            f"({b.approved_hours} approved) costing {view.currency} {b.actual_cost}; earned value {b.earned_value}; "
            f"ETC {b.etc_hours} h; at completion {b.eac_hours} h, {view.currency} {b.eac_cost}, margin {margin}"
        )
