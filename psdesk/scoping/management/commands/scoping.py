"""`manage.py scoping <subcommand>` (also `psdesk scoping ...`):

estimate <engagement_id> [--as USER]   print the draft estimate lines with provenance
answers <engagement_id> [--as USER]    print the SSOT table
answer <engagement_id> <service_type.key> <response> --as USER [--expected-version N]
request <file.json|-> --as USER        create a scoping request from JSON (same validation as the form)
check-rules [--file PATH]              validate and load the effort rules (file:line: reason on error)
load-questionnaires                    (re)load data/questionnaires/*.yaml into the database
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.core.errors import DomainError
from psdesk.engagements.models import Engagement
from psdesk.scoping.effort import RulesError


class Command(BaseCommand):
    help = "Scoping: effort model, SSOT answers, scoping requests from JSON, rules and questionnaires."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        est = sub.add_parser("estimate", help="print the draft estimate with provenance")
        est.add_argument("engagement_id", type=int)
        est.add_argument("--as", dest="as_user", default="")
        ans = sub.add_parser("answers", help="print the SSOT table")
        ans.add_argument("engagement_id", type=int)
        ans.add_argument("--as", dest="as_user", default="")
        one = sub.add_parser("answer", help="record one SSOT answer")
        one.add_argument("engagement_id", type=int)
        one.add_argument("question", help="service_type.key, e.g. implementation.users")
        one.add_argument("response")
        one.add_argument("--as", dest="as_user", required=True)
        one.add_argument("--expected-version", type=int, default=None)
        req = sub.add_parser("request", help="create a scoping request from a JSON file ('-' = stdin)")
        req.add_argument("file")
        req.add_argument("--as", dest="as_user", required=True)
        chk = sub.add_parser("check-rules", help="validate and load the effort rules")
        chk.add_argument("--file", default="")
        sub.add_parser("load-questionnaires", help="load data/questionnaires/*.yaml")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, "_" + opts["sub"].replace("-", "_"))(**opts)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        except RulesError as exc:
            raise CommandError(str(exc)) from None

    def _user(self, username: str) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"unknown user {username!r}")
        return user

    def _engagement(self, engagement_id: int, username: str) -> Engagement:
        user = self._user(username)
        qs = Engagement.objects.visible_to(user) if user is not None else Engagement.objects.all()
        eng = qs.select_related("account").filter(pk=engagement_id).first()
        if eng is None:
            raise CommandError(f"engagement {engagement_id} not found")
        return eng

    def _estimate(self, *, engagement_id: int, as_user: str, **_: Any) -> None:
        from psdesk.scoping.selectors import draft_estimate

        eng = self._engagement(engagement_id, as_user)
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

    def _answers(self, *, engagement_id: int, as_user: str, **_: Any) -> None:
        from psdesk.scoping.selectors import ssot_rows

        eng = self._engagement(engagement_id, as_user)
        for r in ssot_rows(engagement=eng):
            mark = "*" if r.required else " "
            self.stdout.write(f"{mark} {r.service_type}.{r.key:<24} v{r.version:<3} {r.response:<30} | {r.text}")

    def _answer(
        self, *, engagement_id: int, question: str, response: str, as_user: str, expected_version: int | None, **_: Any
    ) -> None:
        from psdesk.scoping.models import SsotRow
        from psdesk.scoping.services import ssot_answer_set

        eng = self._engagement(engagement_id, as_user)
        st, _sep, key = question.partition(".")
        row = SsotRow.objects.filter(engagement=eng, service_type=st, key=key).first()
        if row is None:
            raise CommandError(f"no SSOT row {question!r} on engagement {engagement_id}")
        result = ssot_answer_set(
            row_id=row.pk, response=response, actor=self._user(as_user), expected_version=expected_version
        )
        self.stdout.write(f"{question} = {result.row.response} (version {result.row.version})")
        for c in result.diff.changes:
            self.stdout.write(f"  {c.status:<8} {c.activity:<28} {c.before_hours} h → {c.after_hours} h")
        self.stdout.write(f"  total {result.diff.before_total} h → {result.diff.after_total} h")

    def _request(self, *, file: str, as_user: str, **_: Any) -> None:
        from psdesk.scoping.services import NewCustomer, scoping_request_submit

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
            "us_public_sector",
            "service_types",
            "answers",
            "intake",
        }
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise CommandError(f"{file}: unknown field(s): {', '.join(unknown)}")
        nc = data.get("new_customer")
        result = scoping_request_submit(
            requester=self._user(as_user),
            service_types=list(data.get("service_types") or []),
            answers=data.get("answers") or {},
            account_id=data.get("account_id"),
            new_customer=NewCustomer(**nc) if isinstance(nc, dict) else None,
            opportunity_id=data.get("opportunity_id"),
            us_public_sector=bool(data.get("us_public_sector", False)),
            intake=data.get("intake") or {},
        )
        eng = result.engagement
        what = "created" if result.created else "already submitted"
        self.stdout.write(f"{what}: engagement {eng.pk} “{eng.title}” ({eng.state}, EM {eng.em or 'unassigned'})")

    def _check_rules(self, *, file: str, **_: Any) -> None:
        from psdesk.scoping.rules import rules_load

        rules = rules_load(Path(file) if file else None)
        acts = sum(len(s.activities) for s in rules.service_types.values())
        n_rules = sum(len(s.rules) for s in rules.service_types.values())
        self.stdout.write(
            f"{rules.source}: OK — {len(rules.service_types)} service types, {acts} activities, {n_rules} rules"
        )

    def _load_questionnaires(self, **_: Any) -> None:
        from psdesk.scoping.questionnaires import questionnaires_load
        from psdesk.scoping.rules import questionnaires_path

        keys = questionnaires_load(directory=questionnaires_path())
        self.stdout.write(f"loaded {len(keys)} questionnaires: {', '.join(keys)}")
