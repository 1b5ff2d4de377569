"""A year of history behind the demo, so every dashboard and queue chart shows something true on
first run: closed engagements that moved through the board (audited moves, backdated), agreed
estimates with a spread of margins, approval requests and decisions, bookings with their projects,
welcome emails on time or late, queue entries with committed starts, open pipeline by month, and a
forecast run with a lead-time table for each of the last 26 weeks.

Deterministic: its own seeded random generator, dates counted back from the clock. Written
directly (the records are history, not actions taken now); each audit row goes through
`audit_record` at its own time, so the hash chain stays whole. `generate` adds the same history in
bulk for benchmarks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType

from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.demo import DemoContext
from psdesk.crm.choices import OpportunityStage, Segment
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from psdesk.estimates.choices import FeedbackKind, VersionStatus
from psdesk.estimates.models import CustomerFeedback, EstimateVersion
from psdesk.projects.choices import ProjectKind, ProjectStatus
from psdesk.projects.models import Project, ProjectsPolicy
from psdesk.scheduling.choices import DemandKind, QueueStatus, ServiceType
from psdesk.scheduling.models import ForecastRun, LeadTime, QueueEntry
from psdesk.sla.choices import TimerOutcome, TimerState, TimerStatus
from psdesk.sla.models import SlaPolicy, SlaTimer

SEED = 19
CUSTOMERS = (
    "Bluebird Logistics",
    "Cobalt Insurance",
    "Dunmore Health",
    "Eastgate Retail",
    "Fjord Energy",
    "Granite Bank",
    "Harbor Media",
    "Ironwood Telecom",
    "Juniper Foods",
    "Keystone Manufacturing",
    "Lumen Pharma",
    "Maple Education",
)
PUBSEC_CUSTOMER = "State of Franklin DOT"
PATH = ("triage", "start_strawman", "request_feedback", "start_sow", "submit_for_approval", "approve")
STATES = (S.OPEN, S.AWAITING_DISCOVERY, S.STRAWMAN_WIP, S.ESTIMATE_FEEDBACK, S.SOW_WIP, S.READY_FOR_APPROVAL)
SERVICES = (
    ServiceType.IMPLEMENTATION,
    ServiceType.MIGRATION,
    ServiceType.CICD,
    ServiceType.ASSESSMENT,
    ServiceType.ADVISORY,
    ServiceType.EDUCATION,
)


def _business_days_after(start: datetime, days: float) -> datetime:
    """`start` plus `days` weekdays (fractions as hours), skipping weekends."""
    whole, part = int(days), days - int(days)
    at = start
    while whole > 0:
        at += timedelta(days=1)
        if at.weekday() < 5:
            whole -= 1
    at += timedelta(hours=24 * part)
    while at.weekday() >= 5:
        at += timedelta(days=1)
    return at


def _business_days_before(end: datetime, days: int) -> datetime:
    at = end
    while days > 0:
        at -= timedelta(days=1)
        if at.weekday() < 5:
            days -= 1
    return at


# deals counted from the last → business days before now they closed won, welcome email not sent yet
RECENT = {1: 2, 2: 6, 3: 9}


def _audit(at: datetime, **kw: Any) -> None:
    with clock.frozen(at):
        audit_record(**kw)


def load(ctx: DemoContext) -> None:
    history_load(ctx, deals=36, suffix="")


def generate(ctx: DemoContext, progress: Any = None) -> None:
    """Benchmarks: the same year of history, scaled to a tenth of the engagements asked for."""
    n = max(36, int(ctx.objects.get("n_engagements", 360)) // 10)
    history_load(ctx, deals=n, suffix=" (bench)")
    if progress is not None:
        progress.write(f"  insights: {n} historical deals")


def history_load(ctx: DemoContext, *, deals: int, suffix: str) -> None:
    """`deals` engagements over the last ~13 months (about 7 in 10 won), their estimates, approvals,
    bookings, projects, welcome timers and queue entries; open pipeline; 26 weekly forecast runs."""
    rng = random.Random(ctx.seed + SEED)  # noqa: S311 — reproducible demo data, not a secret
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    users = {u.username: u for u in User.objects.filter(username__in=["erin", "emil", "pat", "leo", "rita", "paula"])}
    ems = [u for k, u in users.items() if k in ("erin", "emil")] or list(User.objects.order_by("pk")[:1])
    if not ems:
        return  # no people yet: history needs someone to have made it
    accounts = [
        Account.objects.get_or_create(name=name + suffix, defaults={"segment": rng.choice(list(Segment.values))})[0]
        for name in CUSTOMERS
    ]
    pubsec = Account.objects.get_or_create(
        name=PUBSEC_CUSTOMER + suffix, defaults={"us_public_sector": True, "segment": Segment.values[0]}
    )[0]
    ct_proj = ContentType.objects.get_for_model(Project)
    welcome_key = ProjectsPolicy.objects.values_list("welcome_policy_key", flat=True).first() or "welcome_email"
    welcome = SlaPolicy.objects.filter(key=welcome_key).first()
    for i in range(deals):
        account = pubsec if i % 12 == 11 else accounts[i % len(accounts)]
        em = users.get("pat") if account.us_public_sector and "pat" in users else ems[i % len(ems)]
        created = now - timedelta(days=400 - i * 330 / max(1, deals - 1) - rng.randint(0, 6))
        won = rng.random() < 0.72 or deals - i in RECENT
        service = SERVICES[i % len(SERVICES)]
        ps_value = Decimal(rng.randrange(30, 260) * 1000)
        edu_value = Decimal(rng.choice([0, 0, 5, 10, 15, 25]) * 1000)
        opp = Opportunity.objects.create(
            name=f"{account.name} — {service.label} {created:%Y}",
            account=account,
            stage=OpportunityStage.CLOSED_WON if won else OpportunityStage.CLOSED_LOST,
            amount=ps_value + edu_value,
            ps_value=ps_value,
            education_value=edu_value,
            engagement_manager=em,
            created_at=created,
            stage_changed_at=created,
        )
        eng = Engagement.objects.create(
            title=f"{account.name} - {service.label} - Scope Issue and Write SOW",
            account=account,
            opportunity=opp,
            em=em,
            created_at=created,
            state_changed_at=created,
            last_activity_at=created,
        )
        _audit(created, verb="engagements.created", actor=em, target=eng, after={"title": eng.title})
        at = created
        steps = len(PATH) if won else rng.randint(2, 5)
        for k, action in enumerate(PATH[:steps]):
            at = _business_days_after(at, rng.uniform(0.5, 2.5) + k * rng.uniform(0.3, 1.5))
            target = STATES[k + 1] if k + 1 < len(STATES) else S.APPROVED
            if action == "request_feedback":
                _estimate(eng, at=at, rng=rng, agreed=steps > 3)
            if action == "approve":
                _approvals(eng, at=at, rng=rng, users=users)
            _audit(
                at,
                verb=f"board.{action}",
                actor=None if action == "approve" else em,
                target=eng,
                before={"state": STATES[k]},
                after={"state": target},
            )
        close_at = _business_days_after(at, rng.uniform(2, 12))
        if won and deals - i in RECENT:  # the latest bookings: welcome email still due (at risk, breached)
            close_at = max(at + timedelta(hours=1), _business_days_before(now, RECENT[deals - i]))
        final = S.CLOSED_WON if won else S.CLOSED_LOST
        last_state = S.APPROVED if won else STATES[steps]
        _audit(
            close_at,
            verb="board.close_won" if won else "board.close_lost",
            actor=users.get("rita"),
            target=eng,
            before={"state": last_state},
            after={"state": final},
            reason="" if won else rng.choice(["Budget moved to next year", "Chose a partner", "No decision"]),
        )
        Engagement.objects.filter(pk=eng.pk).update(state=final, state_changed_at=close_at, last_activity_at=close_at)
        Opportunity.objects.filter(pk=opp.pk).update(close_date=close_at.date(), stage_changed_at=close_at)
        if won and close_at < now:
            _booked(
                opp,
                eng,
                at=close_at,
                now=now,
                rng=rng,
                service=service,
                welcome=welcome,
                ct_proj=ct_proj,
                pending=deals - i in RECENT,
            )
    _pipeline(accounts, now=now, rng=rng, suffix=suffix)
    _forecast_runs(now=now, rng=rng)


def _estimate(eng: Engagement, *, at: datetime, rng: random.Random, agreed: bool) -> None:
    margin = Decimal(str(round(rng.triangular(0.22, 0.58, 0.44), 4)))
    price = Decimal(rng.randrange(40, 240) * 1000)
    cost = (price * (1 - margin)).quantize(Decimal("0.01"))
    version = EstimateVersion.objects.create(
        engagement=eng,
        number=1,
        status=VersionStatus.SHARED,
        priced_on=at.date(),
        hours=(price / Decimal(330)).quantize(Decimal("0.01")),
        price=price,
        cost=cost,
        margin=((price - cost) / price).quantize(Decimal("0.0001")),
        created_at=at,
        updated_at=at,
        shared_at=at,
    )
    if agreed:
        CustomerFeedback.objects.create(
            version=version,
            kind=FeedbackKind.AGREEMENT,
            name="Customer sponsor",
            email="sponsor@customer.example",
            created_at=at + timedelta(days=1),
        )


def _approvals(eng: Engagement, *, at: datetime, rng: random.Random, users: dict[str, Any]) -> None:
    ct = ContentType.objects.get_for_model(Engagement)
    for kind, decider in ((ApprovalKind.PS_LEADERSHIP, "leo"), (ApprovalKind.REVENUE, "rita")):
        if decider not in users or eng.em is None:
            continue
        asked = at - timedelta(hours=rng.randint(6, 90))
        req = ApprovalRequest.objects.create(
            kind=kind,
            target_type=ct,
            target_id=eng.pk,
            content_hash=f"{eng.pk:064d}",
            requester=eng.em,
            status=ApprovalStatus.APPROVED,
            created_at=asked,
            decided_at=at,
        )
        ApprovalDecision.objects.create(
            request=req,
            decider=users[decider],
            approve=True,
            content_hash=req.content_hash,
            decided_at=at,
            target_state=S.READY_FOR_APPROVAL,
        )
        _audit(asked, verb="approvals.requested", actor=eng.em, target=eng, after={"kind": kind})
        _audit(
            at, verb="approvals.decided", actor=users[decider], target=eng, after={"kind": kind, "status": "approved"}
        )


def _booked(
    opp: Opportunity,
    eng: Engagement,
    *,
    at: datetime,
    now: datetime,
    rng: random.Random,
    service: ServiceType,
    welcome: SlaPolicy | None,
    ct_proj: ContentType,
    pending: bool,
) -> None:
    """The project, its welcome email (on time or late; still due when `pending`, its timer running)
    and its queue entry with a committed start."""
    sent = now + timedelta(days=1) if pending else _business_days_after(at, rng.choice([0.5, 1, 1.5, 2, 2.5, 3.5]))
    started = _business_days_after(at, rng.triangular(3, 30, 9))
    status = ProjectStatus.COMPLETED if started < now - timedelta(days=120) else ProjectStatus.ACTIVE
    project = Project.objects.create(
        name=opp.name,
        account=opp.account,
        opportunity=opp,
        engagement=eng,
        kind=ProjectKind.TRAINING if service == ServiceType.EDUCATION else ProjectKind.CONSULTING,
        status=status if started < now else ProjectStatus.IN_SET_UP,
        budget=opp.ps_value + opp.education_value,
        created_at=at,
        booked_at=at,
        welcome_sent_at=sent if sent < now else None,
    )
    due = _business_days_after(at, 3)
    if welcome is not None and pending:
        breached = due <= now
        SlaTimer.objects.create(
            policy=welcome,
            target_type=ct_proj,
            target_id=project.pk,
            state=TimerState.RUNNING,
            status=TimerStatus.BREACHED if breached else TimerStatus.AT_RISK,
            started_at=at,
            due_at=due,
            warn_at=_business_days_after(at, 2),
            at_risk_at=_business_days_after(at, 2),
            breached_at=due if breached else None,
        )
    if welcome is not None and sent < now:
        SlaTimer.objects.create(
            policy=welcome,
            target_type=ct_proj,
            target_id=project.pk,
            state=TimerState.STOPPED,
            status=TimerStatus.OK if sent <= due else TimerStatus.BREACHED,
            outcome=TimerOutcome.MET if sent <= due else TimerOutcome.MISSED,
            started_at=at,
            due_at=due,
            warn_at=_business_days_after(at, 2),
            stopped_at=sent,
            breached_at=due if sent > due else None,
        )
    waiting = started >= now - timedelta(days=3) and rng.random() < 0.6
    QueueEntry.objects.create(
        title=opp.name,
        account=opp.account,
        opportunity=opp,
        engagement=eng,
        kind=DemandKind.COMMITTED,
        status=QueueStatus.QUEUED if waiting else QueueStatus.START_COMMITTED,
        service_type=service,
        closed_won_at=at,
        committed_start=None if waiting else started.date(),
        created_at=at,
    )


def _pipeline(accounts: list[Account], *, now: datetime, rng: random.Random, suffix: str) -> None:
    """Open opportunities (stages 1 to 4) closing over the coming months; no engagement yet."""
    stages = (
        OpportunityStage.DISCOVERY,
        OpportunityStage.SCOPING,
        OpportunityStage.TECHNICAL_EVALUATION,
        OpportunityStage.PROPOSAL,
    )
    for i in range(18):
        account = accounts[(i * 5) % len(accounts)]
        ps_value = Decimal(rng.randrange(25, 220) * 1000)
        edu_value = Decimal(rng.choice([0, 5, 10, 20]) * 1000)
        Opportunity.objects.create(
            name=f"{account.name} — expansion {i + 1}{suffix}",
            account=account,
            stage=stages[i % len(stages)],
            close_date=(now + timedelta(days=12 + i * 19)).date(),
            amount=ps_value + edu_value,
            ps_value=ps_value,
            education_value=edu_value,
        )


def _forecast_runs(*, now: datetime, rng: random.Random) -> None:
    """One stored run per week for the last 26 weeks (the lead-time tables only: the samples of
    old runs are not kept), with lead times drifting as the queue filled and emptied."""
    base = {s: 2.0 + i * 0.6 for i, s in enumerate(SERVICES)}
    for w in range(26, 0, -1):
        at = now - timedelta(weeks=w)
        week0 = (at - timedelta(days=at.weekday())).date() + timedelta(weeks=1)
        run = ForecastRun.objects.create(
            created_at=at,
            week0=week0,
            horizon_weeks=26,
            samples=200,
            seed=20261128,
            meta={"history": True},
            blob=b"",
        )
        rows = []
        for s in SERVICES:
            drift = 1.5 * (1 - abs(13 - w) / 13)  # busiest in the middle of the half-year
            median = round(base[s] + drift + rng.uniform(-0.4, 0.4), 1)
            rows.append(
                LeadTime(
                    run=run,
                    service_type=s,
                    median_weeks=Decimal(str(median)),
                    p80_weeks=Decimal(str(round(median * rng.uniform(1.3, 1.7), 1))),
                    projects=rng.randint(2, 9),
                )
            )
        LeadTime.objects.bulk_create(rows)
