"""`manage.py scoping <subcommand>` (also `psdesk scoping ...`):

estimate <engagement_id> [--as USER]   print the draft estimate lines with provenance
answers <engagement_id> [--as USER]    print the SSOT table
answer <engagement_id> <service_type.key> <response> --as USER [--expected-version N]   record one answer
request <file.json|-> --as USER        create a scoping request from JSON (same validation as the form)
check-rules [--file PATH]              validate and load the effort rules (file:line: reason on error)
load-questionnaires                    (re)load data/questionnaires/*.yaml into the database
"""

from __future__ import annotations

import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from psdesk.accounts.cli import ActorCommand, SubcommandAdder, actor_get
from psdesk.core.types import Actor
from psdesk.engagements.models import Engagement
from psdesk.scoping.effort import RulesError
from psdesk.scoping.models import SsotRow
from psdesk.scoping.questionnaires import questionnaires_load
from psdesk.scoping.rules import questionnaires_path, rules_load
from psdesk.scoping.selectors import draft_estimate, ssot_rows
from psdesk.scoping.services import (
    NewCustomer,
    NewLicenseOpportunity,
    NewOpportunity,
    scoping_request_submit,
    ssot_answer_set,
)


def _reader_option(p: CommandParser) -> None:
    p.add_argument("--as", dest="as_user", default="", metavar="USER", help="read as this user (default: see all)")


class Command(ActorCommand):
    help = "Scoping: effort model, SSOT answers, scoping requests from JSON, rules and questionnaires."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        est = add("estimate", "Print the draft estimate lines with their provenance.", as_user=False)
        est.add_argument("engagement_id", type=int, help="the engagement's id")
        _reader_option(est)
        ans = add("answers", "Print the engagement's SSOT table.", as_user=False)
        ans.add_argument("engagement_id", type=int, help="the engagement's id")
        _reader_option(ans)
        one = add("answer", "Record one SSOT answer and print how the estimate changed.")
        one.add_argument("engagement_id", type=int, help="the engagement's id")
        one.add_argument("question", help="service_type.key, e.g. implementation.users")
        one.add_argument("response", help="the answer, e.g. 5, yes, or one of the question's choices")
        one.add_argument("--expected-version", type=int, default=None, help="refuse if the row changed since")
        req = add("request", "Create a scoping request from JSON (same validation as the form).")
        req.add_argument("file", help="the JSON file, or '-' for stdin")
        chk = add("check-rules", "Validate and load the effort rules (file:line: reason on error).", as_user=False)
        chk.add_argument("--file", default="", help="the rules file (default: the configured one)")
        add("load-questionnaires", "(Re)load data/questionnaires/*.yaml into the database.", as_user=False)

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            super().handle(*args, **opts)
        except RulesError as exc:
            raise CommandError(str(exc)) from None

    def _engagement(self, engagement_id: int, user: Actor | None) -> Engagement:
        qs = Engagement.objects.visible_to(user) if user is not None else Engagement.objects.all()
        eng = qs.select_related("account").filter(pk=engagement_id).first()
        if eng is None:
            raise CommandError(f"engagement {engagement_id} not found")
        return eng

    def _reader_engagement(self, o: dict[str, Any]) -> Engagement:
        """The engagement as the optional `--as` reader sees it (everything without one)."""
        return self._engagement(o["engagement_id"], actor_get(o["as_user"]) if o["as_user"] else None)

    def do_estimate(self, user: None, o: dict[str, Any]) -> None:
        eng = self._reader_engagement(o)
        result = draft_estimate(engagement=eng)
        self.stdout.write(f"{eng.title} — draft estimate {result.total_hours} h")
        for ln in result.lines:
            self.stdout.write(
                f"{ln.service_type:<22} {ln.activity:<28} {ln.role:<8} {ln.delivery:<7} {ln.hours:>8} h  "
                f"{ln.description}"
            )
            for p in ln.provenance:
                self.stdout.write(f"{'':>24}- {p}")
        for r in result.removed:
            self.stdout.write(f"{r.service_type:<22} {r.activity:<28} {r.reason}")
        for role, hours in sorted(result.hours_by_role().items()):
            self.stdout.write(f"total {role:<8} {hours:>8} h")

    def do_answers(self, user: None, o: dict[str, Any]) -> None:
        eng = self._reader_engagement(o)
        for r in ssot_rows(engagement=eng):
            mark = "*" if r.required else " "
            self.stdout.write(f"{mark} {r.service_type}.{r.key:<24} v{r.version:<3} {r.response:<30} | {r.text}")

    def do_answer(self, user: Actor, o: dict[str, Any]) -> None:
        engagement_id, question = o["engagement_id"], o["question"]
        eng = self._engagement(engagement_id, user)
        st, _sep, key = question.partition(".")
        row = SsotRow.objects.filter(engagement=eng, service_type=st, key=key).first()
        if row is None:
            raise CommandError(f"no SSOT row {question!r} on engagement {engagement_id}")
        result = ssot_answer_set(
            row_id=row.pk, response=o["response"], actor=user, expected_version=o["expected_version"]
        )
        self.stdout.write(f"{question} = {result.row.response} (version {result.row.version})")
        for c in result.diff.changes:
            self.stdout.write(f"  {c.status:<8} {c.activity:<28} {c.before_hours} h → {c.after_hours} h")
        self.stdout.write(f"  total {result.diff.before_total} h → {result.diff.after_total} h")

    def do_request(self, user: Actor, o: dict[str, Any]) -> None:
        file = o["file"]
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file}:{exc.lineno}: invalid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise CommandError(f"{file}: expected a JSON object")
        allowed = {
            "account_id",
            "new_customer",
            "opportunity_id",
            "new_opportunity",
            "us_public_sector",
            "service_types",
            "answers",
            "intake",
        }
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise CommandError(f"{file}: unknown field(s): {', '.join(unknown)}")
        nc, no = data.get("new_customer"), data.get("new_opportunity")
        new_opportunity = None
        if isinstance(no, dict):
            try:
                parent = no.get("new_parent")
                new_opportunity = NewOpportunity(
                    name=str(no.get("name", "")),
                    close_date=date.fromisoformat(no["close_date"]) if no.get("close_date") else None,
                    parent_id=no.get("parent_id"),
                    new_parent=NewLicenseOpportunity(
                        name=str(parent.get("name", "")),
                        close_date=date.fromisoformat(parent["close_date"]) if parent.get("close_date") else None,
                        amount=Decimal(str(parent.get("amount", "0"))),
                    )
                    if isinstance(parent, dict)
                    else None,
                )
            except (ValueError, ArithmeticError) as exc:
                raise CommandError(f"{file}: new_opportunity: {exc}") from None
        result = scoping_request_submit(
            requester=user,
            service_types=list(data.get("service_types") or []),
            answers=data.get("answers") or {},
            account_id=data.get("account_id"),
            new_customer=NewCustomer(**nc) if isinstance(nc, dict) else None,
            opportunity_id=data.get("opportunity_id"),
            new_opportunity=new_opportunity,
            us_public_sector=bool(data.get("us_public_sector", False)),
            intake=data.get("intake") or {},
        )
        eng = result.engagement
        what = "created" if result.created else "already submitted"
        self.stdout.write(f"{what}: engagement {eng.pk} “{eng.title}” ({eng.state}, EM {eng.em or 'unassigned'})")

    def do_check_rules(self, user: None, o: dict[str, Any]) -> None:
        rules = rules_load(Path(o["file"]) if o["file"] else None)
        acts = sum(len(s.activities) for s in rules.service_types.values())
        n_rules = sum(len(s.rules) for s in rules.service_types.values())
        self.stdout.write(
            f"{rules.source}: OK — {len(rules.service_types)} service types, {acts} activities, {n_rules} rules"
        )

    def do_load_questionnaires(self, user: None, o: dict[str, Any]) -> None:
        keys = questionnaires_load(directory=questionnaires_path())
        self.stdout.write(f"loaded {len(keys)} questionnaires: {', '.join(keys)}")
