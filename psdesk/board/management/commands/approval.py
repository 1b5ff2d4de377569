"""Approvals, side labels and SLA state of an engagement from the command line, as a given user
(the same services, permissions and PubSec rules as the API)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from psdesk.approvals.services import approval_decide
from psdesk.board.approval_flow import engagement_approval_request, engagement_approval_states, engagement_content_hash
from psdesk.board.labels import label_move
from psdesk.board.selectors import engagement_get
from psdesk.core.errors import DomainError
from psdesk.core.types import Actor
from psdesk.engagements.models import Engagement, EngagementLabel
from psdesk.sla.selectors import timers_for_target


class Command(BaseCommand):
    help = (
        "Approvals, side labels and SLA timers of one engagement, as a given user.\n"
        "  psdesk approval status 12 --as erin\n"
        "  psdesk approval request 12 revenue --as erin [--note '...']\n"
        "  psdesk approval decide 7 --as rita --approve --hash <content hash> [--comment '...']\n"
        "  psdesk approval label 12 RDM approve --as rory [--reason '...']"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        st = sub.add_parser("status")
        st.add_argument("engagement_id", type=int)
        st.add_argument("--as", dest="as_user", required=True)
        rq = sub.add_parser("request")
        rq.add_argument("engagement_id", type=int)
        rq.add_argument("kind")
        rq.add_argument("--as", dest="as_user", required=True)
        rq.add_argument("--note", default="")
        dc = sub.add_parser("decide")
        dc.add_argument("request_id", type=int)
        dc.add_argument("--as", dest="as_user", required=True)
        verdict = dc.add_mutually_exclusive_group(required=True)
        verdict.add_argument("--approve", action="store_true")
        verdict.add_argument("--reject", action="store_true")
        dc.add_argument("--hash", dest="content_hash", required=True)
        dc.add_argument("--comment", default="")
        lb = sub.add_parser("label")
        lb.add_argument("engagement_id", type=int)
        lb.add_argument("scope")
        lb.add_argument("action")
        lb.add_argument("--as", dest="as_user", required=True)
        lb.add_argument("--reason", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = User.objects.filter(username=opts["as_user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {opts['as_user']!r}")
        try:
            getattr(self, f"_{opts['sub']}")(user, opts)
        except DomainError as exc:
            raise CommandError(f"{exc.status} {exc.code}: {exc.message}") from None

    def _engagement(self, user: Actor, engagement_id: int) -> Any:
        if not user.has_perm("engagements.view_engagement"):
            raise CommandError(f"{user.username} may not view engagements")
        return engagement_get(user=user, engagement_id=engagement_id)

    def _status(self, user: Actor, opts: dict[str, Any]) -> None:
        eng = self._engagement(user, opts["engagement_id"])
        h = engagement_content_hash(eng)
        self.stdout.write(f"engagement {eng.pk} {eng.state}  content hash {h}")
        for s in engagement_approval_states(eng, h):
            self.stdout.write(f"  {s.kind:<14} {s.state:<9} request {s.request_id or '-'}")
        labels = EngagementLabel.objects.filter(engagement=eng).order_by("scope", "name").values_list("name", flat=True)
        self.stdout.write("  labels: " + (", ".join(labels) or "-"))
        for t in timers_for_target(eng):
            self.stdout.write(
                f"  sla {t.policy_key:<16} {t.status:<9} {t.state:<8} {t.hours_left:>7.1f} business h left"
            )

    def _request(self, user: Actor, opts: dict[str, Any]) -> None:
        eng = self._engagement(user, opts["engagement_id"])
        req = engagement_approval_request(engagement=eng, kind=opts["kind"], requester=user, note=opts["note"])
        self.stdout.write(f"request {req.pk}: {req.kind} on {req.content_hash} ({req.status})")

    def _decide(self, user: Actor, opts: dict[str, Any]) -> None:
        from psdesk.approvals.models import ApprovalRequest

        req = ApprovalRequest.objects.filter(pk=opts["request_id"]).first()
        if req is None:
            raise CommandError(f"404 not_found: approval request {opts['request_id']} not found")
        if req.target_type.model_class() is not Engagement:
            raise CommandError(f"request {req.pk} is not about an engagement; decide it where its target lives")
        target = self._engagement(user, req.target_id)  # the decider must see the engagement (PubSec → 404)
        d = approval_decide(
            request_id=req.pk,
            decider=user,
            approve=bool(opts["approve"]),
            content_hash=opts["content_hash"],
            comment=opts["comment"],
        )
        target.refresh_from_db()
        self.stdout.write(
            f"request {req.pk}: {'approved' if d.approve else 'rejected'}; engagement {target.pk} is {target.state}"
        )

    def _label(self, user: Actor, opts: dict[str, Any]) -> None:
        row = label_move(
            engagement_id=opts["engagement_id"],
            scope=opts["scope"],
            action=opts["action"],
            actor=user,
            reason=opts["reason"],
        )
        self.stdout.write(f"engagement {opts['engagement_id']}: {row.name}")
