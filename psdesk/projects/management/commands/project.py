from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.projects import services
from psdesk.projects.selectors import project_get, project_list, welcome_timer


class Command(BaseCommand):
    help = (
        "Delivery projects as a user:\n"
        "  psdesk project list --as paula\n"
        "  psdesk project welcome 3 --as paula [--dry-run] [--resend-reason ...]\n"
        "  psdesk project move 3 okay_to_start --as paula [--reason ...]\n"
        "  psdesk project sla 3 --as paula"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        ls = sub.add_parser("list")
        ls.add_argument("--as", dest="as_user", required=True)
        w = sub.add_parser("welcome")
        w.add_argument("project_id", type=int)
        w.add_argument("--as", dest="as_user", required=True)
        w.add_argument("--dry-run", action="store_true")
        w.add_argument("--resend-reason", default="")
        mv = sub.add_parser("move")
        mv.add_argument("project_id", type=int)
        mv.add_argument("action")
        mv.add_argument("--as", dest="as_user", required=True)
        mv.add_argument("--reason", default="")
        s = sub.add_parser("sla")
        s.add_argument("project_id", type=int)
        s.add_argument("--as", dest="as_user", required=True)

    def handle(self, *args: Any, **o: Any) -> None:
        user = User.objects.filter(username=o["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {o['as_user']!r}")
        if not user.has_perm("projects.view_project"):
            raise CommandError(f"403: {user.username} may not see delivery projects")
        try:
            if o["sub"] == "list":
                for p in project_list(user=user)[:500]:
                    t = welcome_timer(p)
                    left = "—" if t is None else (t.outcome or f"{t.hours_left} business h left")
                    self.stdout.write(f"{p.pk:>5}  {p.status:<14} {p.name:<60} welcome: {left}")
            elif o["sub"] == "welcome":
                if o["dry_run"]:
                    d = services.welcome_render(project=project_get(user=user, project_id=o["project_id"]))
                    self.stdout.write(f"To: {', '.join(d.to)}\nCC: {', '.join(d.cc)}\nSubject: {d.subject}\n\n{d.body}")
                else:
                    e = services.welcome_send(project_id=o["project_id"], actor=user, resend_reason=o["resend_reason"])
                    self.stdout.write(f"queued welcome email to {', '.join(e.to)} (cc {len(e.cc)})")
            elif o["sub"] == "move":
                a = services.project_transition(
                    project_id=o["project_id"], action=o["action"], actor=user, reason=o["reason"]
                )
                self.stdout.write(f"project {o['project_id']}: {a.source} → {a.target}")
            else:
                t = welcome_timer(project_get(user=user, project_id=o["project_id"]))
                if t is None:
                    self.stdout.write("no welcome timer (not booked yet)")
                else:
                    self.stdout.write(
                        f"{t.policy_name}: {t.state}/{t.status} {t.outcome or ''} due {t.due_at} "
                        f"({t.hours_left} business hours left)"
                    )
        except DomainError as exc:
            raise CommandError(f"{exc.status} {exc.code}: {exc.message}") from None
