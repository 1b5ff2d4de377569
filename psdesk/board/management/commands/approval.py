"""Approvals, side labels and SLA state of an engagement from the command line, as a given user
(the same services, permissions and PubSec rules as the API)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from psdesk.accounts.cli import ActorCommand, SubcommandAdder
from psdesk.approvals.models import ApprovalRequest
from psdesk.approvals.services import approval_decide
from psdesk.board.approval_state import engagement_approval_states, engagement_content_hash
from psdesk.board.selectors import engagement_get
from psdesk.board.services import engagement_approval_request
from psdesk.core.types import Actor
from psdesk.engagements.labels import label_move
from psdesk.engagements.models import Engagement, EngagementLabel
from psdesk.sla.selectors import timers_for_target


class Command(ActorCommand):
    help = "Approvals, side labels and SLA timers of one engagement, as a given user."

    def add_subcommands(self, add: SubcommandAdder) -> None:
        st = add("status", "Show the content hash, each approval's state, the labels and the SLA timers.")
        st.add_argument("engagement_id", type=int, help="the engagement's id")
        rq = add("request", "Request an approval (ps_leadership, revenue, legal_stamp) of the current content.")
        rq.add_argument("engagement_id", type=int, help="the engagement's id")
        rq.add_argument("kind", help="the approval kind, e.g. revenue")
        rq.add_argument("--note", default="", help="a note for the deciders")
        dc = add("decide", "Approve or reject a pending approval request on the content hash you reviewed.")
        dc.add_argument("request_id", type=int, help="the approval request's id")
        verdict = dc.add_mutually_exclusive_group(required=True)
        verdict.add_argument("--approve", action="store_true", help="approve the request")
        verdict.add_argument("--reject", action="store_true", help="reject the request")
        dc.add_argument("--hash", dest="content_hash", required=True, help="the content hash you reviewed")
        dc.add_argument("--comment", default="", help="a comment for the requester")
        lb = add("label", "Apply a side-label move, e.g. RDM approve (the RDM review).")
        lb.add_argument("engagement_id", type=int, help="the engagement's id")
        lb.add_argument("scope", help="the label scope: TA, Scoping, RDM, EM_Status or Segment")
        lb.add_argument("action", help="the move, e.g. request_review or approve")
        lb.add_argument("--reason", default="", help="why (kept in the audit row)")

    def _engagement(self, user: Actor, engagement_id: int) -> Any:
        if not user.has_perm("engagements.view_engagement"):
            raise CommandError(f"{user.username} may not view engagements")
        return engagement_get(user=user, engagement_id=engagement_id)

    def do_status(self, user: Actor, opts: dict[str, Any]) -> None:
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

    def do_request(self, user: Actor, opts: dict[str, Any]) -> None:
        eng = self._engagement(user, opts["engagement_id"])
        req = engagement_approval_request(engagement=eng, kind=opts["kind"], requester=user, note=opts["note"])
        self.stdout.write(f"request {req.pk}: {req.kind} on {req.content_hash} ({req.status})")

    def do_decide(self, user: Actor, opts: dict[str, Any]) -> None:
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
            current_hash=engagement_content_hash(target),
        )
        target.refresh_from_db()
        self.stdout.write(
            f"request {req.pk}: {'approved' if d.approve else 'rejected'}; engagement {target.pk} is {target.state}"
        )

    def do_label(self, user: Actor, opts: dict[str, Any]) -> None:
        row = label_move(
            engagement_id=opts["engagement_id"],
            scope=opts["scope"],
            action=opts["action"],
            actor=user,
            reason=opts["reason"],
        )
        self.stdout.write(f"engagement {opts['engagement_id']}: {row.name}")
