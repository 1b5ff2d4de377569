from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.core.types import Actor
from psdesk.projects import selectors, services


class Command(ActorCommand):
    help = "Delivery projects from the command line, as a given user (PubSec rules apply)."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        add("list", "List the projects you may see with their welcome-email SLA.")
        w = add("welcome", "Send (or with --dry-run show) the welcome email of a project.")
        w.add_argument("project_id", type=int, help="the project's id")
        w.add_argument("--dry-run", action="store_true", help="print the email instead of sending it")
        w.add_argument("--resend-reason", default="", help="why it is sent again (required for a second send)")
        mv = add("move", "Apply a status move (e.g. okay_to_start) to a project.")
        mv.add_argument("project_id", type=int, help="the project's id")
        mv.add_argument("action", help="the move's action key, e.g. okay_to_start (see the project page)")
        mv.add_argument("--reason", default="", help="why (required by some moves)")
        s = add("sla", "Show a project's welcome-email SLA timer.")
        s.add_argument("project_id", type=int, help="the project's id")

    def _view(self, user: Actor) -> None:
        if not user.has_perm("projects.view_project"):
            raise CommandError(f"403: {user.username} may not see delivery projects")

    def do_list(self, user: Actor, o: dict[str, Any]) -> None:
        self._view(user)
        for p in selectors.project_list(user=user)[:500]:
            t = selectors.welcome_timer(p)
            left = "—" if t is None else (t.outcome or f"{t.hours_left} business h left")
            self.stdout.write(f"{p.pk:>5}  {p.status:<14} {p.name:<60} welcome: {left}")

    def do_welcome(self, user: Actor, o: dict[str, Any]) -> None:
        self._view(user)
        if o["dry_run"]:
            d = selectors.welcome_render(project=selectors.project_get(user=user, project_id=o["project_id"]))
            self.stdout.write(f"To: {', '.join(d.to)}\nCC: {', '.join(d.cc)}\nSubject: {d.subject}\n\n{d.body}")
            return
        e = services.welcome_send(project_id=o["project_id"], actor=user, resend_reason=o["resend_reason"])
        self.stdout.write(f"queued welcome email to {', '.join(e.to)} (cc {len(e.cc)})")

    def do_move(self, user: Actor, o: dict[str, Any]) -> None:
        self._view(user)
        a = services.project_transition(project_id=o["project_id"], action=o["action"], actor=user, reason=o["reason"])
        self.stdout.write(f"project {o['project_id']}: {a.source} → {a.target}")

    def do_sla(self, user: Actor, o: dict[str, Any]) -> None:
        self._view(user)
        t = selectors.welcome_timer(selectors.project_get(user=user, project_id=o["project_id"]))
        if t is None:
            self.stdout.write("no welcome timer (not booked yet)")
            return
        self.stdout.write(
            f"{t.policy_name}: {t.state}/{t.status} {t.outcome or ''} due {t.due_at} "
            f"({t.hours_left} business hours left)"
        )
