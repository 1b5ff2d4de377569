"""Demo engagements in every column, moved there through the transition service (so each has an
audit trail), and the bulk generator for benchmarks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from psdesk.approvals.choices import ApprovalKind
from psdesk.board.approval_state import engagement_content_hash
from psdesk.board.services import engagement_approval_decide, engagement_approval_request, engagement_transition
from psdesk.core import clock
from psdesk.core.demo import DemoContext
from psdesk.engagements.choices import OPEN_STATES, EngagementStatus
from psdesk.engagements.labels import label_move
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_create
from psdesk.estimates.demo import estimate_demo
from psdesk.sows.demo import sow_demo

S = EngagementStatus
# Path of actions from Open to each column.
PATHS: dict[str, list[str]] = {
    S.OPEN: [],
    S.AWAITING_DISCOVERY: ["triage"],
    S.STRAWMAN_WIP: ["triage", "start_strawman"],
    S.ESTIMATE_FEEDBACK: ["triage", "start_strawman", "request_feedback"],
    S.SOW_WIP: ["triage", "start_strawman", "request_feedback", "start_sow"],
    S.READY_FOR_APPROVAL: ["triage", "start_strawman", "request_feedback", "start_sow", "submit_for_approval"],
    S.APPROVED: ["triage", "start_strawman", "request_feedback", "start_sow", "submit_for_approval", "*approvals"],
    S.ON_HOLD: ["triage", "hold"],
    S.CLOSED_LOST: ["triage", "close_lost"],
}


def load(ctx: DemoContext) -> None:
    users: dict[str, Any] = ctx.objects["users"]
    accounts = ctx.objects["accounts"]
    opps = ctx.objects["ps_opportunities"]
    targets = list(PATHS)
    created = []
    for i, acc in enumerate(accounts):
        for j in range(2):
            target = targets[(i * 2 + j) % len(targets)]
            if acc.us_public_sector and target in (S.READY_FOR_APPROVAL, S.APPROVED):
                target = S.SOW_WIP  # the demo's RDM and approvers are not PubSec members
            em = acc.territory.engagement_manager if acc.territory else None
            if target == S.OPEN and j == 0:
                em = None  # one card still waiting for triage
            eng = engagement_create(
                account=acc,
                actor=users["sam"],
                opportunity=opps[i],
                em=em,
                title=f"{acc.name} - Scope Issue and Write SOW" + ("" if j == 0 else " (phase 2)"),
            )
            actor = em or users["erin"]
            for action in PATHS[target]:
                if action == "request_feedback":  # the estimate guards need a shared (and agreed) version
                    estimate_demo(eng, actor=actor, agree="start_sow" in PATHS[target])
                if action == "submit_for_approval":  # the SOW guards need a generated, reviewed draft
                    sow_demo(eng, actor=actor)
                    label_move(engagement_id=eng.pk, scope="RDM", action="request_review", actor=actor)
                    label_move(engagement_id=eng.pk, scope="RDM", action="approve", actor=users["rory"])
                if action == "*approvals":  # PS Leadership and Revenue approve; the card moves itself
                    _final_approvals(eng, requester=actor, users=users)
                    continue
                engagement_transition(
                    engagement_id=eng.pk,
                    action=action,
                    actor=actor,
                    reason="Customer budget review in January"
                    if action == "hold"
                    else ("Customer chose a partner" if action == "close_lost" else ""),
                )
            created.append(eng)
    ctx.objects["engagements"] = created


def _final_approvals(eng: Engagement, *, requester: Any, users: dict[str, Any]) -> None:
    content_hash = engagement_content_hash(eng)
    for kind, decider in ((ApprovalKind.PS_LEADERSHIP, "leo"), (ApprovalKind.REVENUE, "rita")):
        req = engagement_approval_request(engagement=eng, kind=kind, requester=requester)
        engagement_approval_decide(
            engagement_id=eng.pk, request_id=req.pk, decider=users[decider], approve=True, content_hash=content_hash
        )


def generate(ctx: DemoContext, progress: Any = None) -> None:
    """Bulk rows for benchmarks (not audited: this is synthetic load, not user activity)."""
    n = int(ctx.objects.get("n_engagements", 10_000))
    n_open = int(ctx.objects.get("n_open", 2_000))
    accounts: list[int] = ctx.objects["bench_accounts"]
    users = ctx.objects["users"]
    ems = [users["erin"].pk, users["emil"].pk, users["pat"].pk]
    now = clock.now()
    open_states = [*OPEN_STATES, S.ON_HOLD]
    rows = []
    for i in range(n):
        state = open_states[i % len(open_states)] if i < n_open else (S.CLOSED_WON if i % 2 else S.CLOSED_LOST)
        ts = now - timedelta(hours=ctx.rng.randint(1, 24 * 400))
        rows.append(
            Engagement(
                title=f"Bench Customer {i:05d} - Scope Issue and Write SOW",
                account_id=accounts[i % len(accounts)],
                em_id=ems[i % len(ems)],
                state=state,
                state_before_hold=S.SOW_WIP if state == S.ON_HOLD else "",
                state_changed_at=ts,
                created_at=ts - timedelta(days=3),
                last_activity_at=ts,
            )
        )
    Engagement.objects.bulk_create(rows, batch_size=2000)
    ctx.say(f"generated {n} engagements ({n_open} open) on {len(accounts)} accounts")
