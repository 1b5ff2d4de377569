"""The PS Leadership dashboard's figures: each chart is a `Figure` (labels and named series of
whole numbers), read once here and used by both the page (Chart.js configuration) and its
`/api/v1/insights/<chart>` endpoint, so the picture and the API cannot disagree. Every figure
counts only what the user may see (PubSec rows are left out for non-members)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType

from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalRequest
from psdesk.board.columns import COLUMN_NAMES
from psdesk.board.metrics import board_cycle_times
from psdesk.board.workflow import BOARD_COLUMNS
from psdesk.core import clock
from psdesk.core.calendar import UTC_CALENDAR, BusinessCalendar
from psdesk.core.types import Actor
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.engagements.choices import CLOSED_STATES
from psdesk.engagements.models import Engagement
from psdesk.estimates.choices import FeedbackKind
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.selectors import policy_get as estimate_policy_get
from psdesk.insights.models import DashboardPolicy
from psdesk.projects.models import Project
from psdesk.projects.selectors import welcome_on_time
from psdesk.scheduling.choices import DemandKind, ServiceType
from psdesk.scheduling.models import QueueEntry
from psdesk.sla.choices import TimerStatus
from psdesk.sla.models import Calendar, SlaTimer

DAY = timedelta(hours=24)
_OPEN_STAGES = (
    OpportunityStage.PENDING_ACCEPTANCE,
    OpportunityStage.DISCOVERY,
    OpportunityStage.SCOPING,
    OpportunityStage.TECHNICAL_EVALUATION,
    OpportunityStage.PROPOSAL,
    OpportunityStage.NEGOTIATING,
    OpportunityStage.AWAITING_SIGNATURE,
)


@dataclass(frozen=True)
class Series:
    label: str
    data: list[float]


@dataclass(frozen=True)
class Figure:
    """One chart's numbers. `kind` is the Chart.js type; `unit` says what a value counts."""

    id: str
    title: str
    kind: str
    unit: str
    labels: list[str]
    series: list[Series]
    target: float | None = None  # a reference line (the 40 % margin target, the start promise)
    rows: list[dict[str, Any]] = field(default_factory=list)  # a table beside the chart
    listed: list[dict[str, Any]] = field(default_factory=list)  # items to act on (below target, waiting)

    @property
    def points(self) -> int:
        return sum(len(s.data) for s in self.series)

    @property
    def table(self) -> list[tuple[str, list[float]]]:
        """The figures row by row (a label and one value per series), for the table under the chart."""
        return [(label, [s.data[i] for s in self.series]) for i, label in enumerate(self.labels)]


def policy_get() -> DashboardPolicy:
    """The single policy row (created with the defaults if an admin deleted it)."""
    policy = DashboardPolicy.objects.first()
    return policy if policy is not None else DashboardPolicy.objects.create()


def _calendar() -> BusinessCalendar:
    cal = Calendar.objects.filter(key="ps-ops-us").first() or Calendar.objects.order_by("id").first()
    return cal.business_calendar() if cal is not None else UTC_CALENDAR


def quantile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank quantile, rounded to one decimal; None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return round(ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))], 1)


def months_back(today: date, n: int) -> list[str]:
    """The last `n` months up to and including today's, as "YYYY-MM", oldest first."""
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _whole(value: Decimal | float | None) -> float:
    return float(round(value or 0))


# --- pipeline and bookings --------------------------------------------------------------------------


def pipeline_by_column(*, user: Actor) -> Figure:
    """Open engagements' PS value (the opportunity's PS plus education value) by board column."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    rows = (
        Engagement.objects.visible_to(user)
        .exclude(state__in=CLOSED_STATES)
        .values_list("state", "opportunity__ps_value", "opportunity__education_value")
    )
    for state, ps, edu in rows:
        totals[state] += (ps or Decimal(0)) + (edu or Decimal(0))
        counts[state] += 1
    columns = [c for c in BOARD_COLUMNS if c not in CLOSED_STATES]
    return Figure(
        id="pipeline-by-column",
        title="Pipeline value by board column",
        kind="bar",
        unit="USD",
        labels=[COLUMN_NAMES.get(c, c) for c in columns],
        series=[Series("PS value (USD)", [_whole(totals[c]) for c in columns])],
        rows=[{"column": COLUMN_NAMES.get(c, c), "engagements": counts[c]} for c in columns],
    )


def pipeline_by_month(*, user: Actor, today: date, months: int) -> Figure:
    """Open opportunities' services and education value by month of expected close (this month and
    the next `months - 1`; a close date in the past counts in this month: it is overdue, not gone)."""
    labels = [m for m in months_back(today + timedelta(days=31 * (months - 1)), months)]
    first = labels[0]
    services: dict[str, Decimal] = defaultdict(Decimal)
    education: dict[str, Decimal] = defaultdict(Decimal)
    rows = (
        Opportunity.objects.visible_to(user)
        .filter(stage__in=_OPEN_STAGES, close_date__isnull=False)
        .values_list("close_date", "ps_value", "education_value")
    )
    for close, ps, edu in rows:
        key = max(f"{close:%Y-%m}", first)
        if key in labels:
            services[key] += ps or Decimal(0)
            education[key] += edu or Decimal(0)
    return Figure(
        id="pipeline-by-month",
        title="Open pipeline by month of expected close",
        kind="bar",
        unit="USD",
        labels=labels,
        series=[
            Series("Services (USD)", [_whole(services[m]) for m in labels]),
            Series("Education (USD)", [_whole(education[m]) for m in labels]),
        ],
    )


def bookings_by_month(*, user: Actor, today: date, months: int) -> Figure:
    """Closed Won opportunities by month of close: services and education value."""
    labels = months_back(today, months)
    services: dict[str, Decimal] = defaultdict(Decimal)
    education: dict[str, Decimal] = defaultdict(Decimal)
    rows = (
        Opportunity.objects.visible_to(user)
        .filter(stage=OpportunityStage.CLOSED_WON)
        .values_list("close_date", "stage_changed_at", "ps_value", "education_value")
    )
    for close, changed, ps, edu in rows:
        key = f"{close or changed.date():%Y-%m}"
        services[key] += ps or Decimal(0)
        education[key] += edu or Decimal(0)
    return Figure(
        id="bookings-by-month",
        title="Bookings by month (Closed Won)",
        kind="bar",
        unit="USD",
        labels=labels,
        series=[
            Series("Services (USD)", [_whole(services[m]) for m in labels]),
            Series("Education (USD)", [_whole(education[m]) for m in labels]),
        ],
    )


# --- margin --------------------------------------------------------------------------------------------

MARGIN_BINS = [(-100, 0), (0, 10), (10, 20), (20, 30), (30, 40), (40, 50), (50, 60), (60, 101)]


def _bin_label(lo: int, hi: int) -> str:
    if lo < 0:
        return "below 0 %"
    return "60 % and over" if hi > 100 else f"{lo} to {hi} %"


def margin_distribution(*, user: Actor) -> Figure:
    """The agreed estimate versions' margins in 10-point bins against the target (policy), with the
    below-target ones listed lowest first. Only the most recently agreed version of each engagement."""
    target = estimate_policy_get().target_margin
    agreed = (
        EstimateVersion.objects.visible_to(user)
        .filter(feedback__kind=FeedbackKind.AGREEMENT, margin__isnull=False)
        .select_related("engagement", "engagement__account")
        .order_by("engagement_id", "-number")
        .distinct()
    )
    latest: dict[int, EstimateVersion] = {}
    for v in agreed:
        latest.setdefault(v.engagement_id, v)
    counts = [0] * len(MARGIN_BINS)
    below = []
    for v in latest.values():
        pct = float(v.margin or 0) * 100
        for i, (lo, hi) in enumerate(MARGIN_BINS):
            if lo <= pct < hi:
                counts[i] += 1
                break
        if v.margin is not None and v.margin < target:
            below.append(v)
    below.sort(key=lambda v: (v.margin, v.pk))
    return Figure(
        id="margin-distribution",
        title=f"Margin of agreed estimates (target {target:.0%})",
        kind="bar",
        unit="estimates",
        labels=[_bin_label(lo, hi) for lo, hi in MARGIN_BINS],
        series=[Series("Agreed estimates", [float(c) for c in counts])],
        target=float(target * 100),
        rows=[
            {"bin": _bin_label(lo, hi), "from": lo, "to": hi, "estimates": counts[i]}
            for i, (lo, hi) in enumerate(MARGIN_BINS)
        ],
        listed=[
            {
                "engagement_id": v.engagement_id,
                "engagement": v.engagement.title,
                "customer": v.engagement.account.name,
                "version": v.number,
                "price": f"{v.currency} {v.price:,.2f}",
                "margin": f"{v.margin:.1%}",
            }
            for v in below
        ],
    )


# --- cycle times -----------------------------------------------------------------------------------------


def approval_cycle_times(*, user: Actor, now: datetime, days: int) -> Figure:
    """Business days from an approval's request to its decision, median and P80 per kind, for the
    decisions of the last `days` days on engagements the user may see."""
    cal = _calendar()
    ct = ContentType.objects.get_for_model(Engagement)
    visible = set(Engagement.objects.visible_to(user).values_list("pk", flat=True))
    decided = ApprovalRequest.objects.filter(
        decided_at__gte=now - timedelta(days=days),
        decided_at__lte=now,
        status__in=[ApprovalStatus.APPROVED, ApprovalStatus.REJECTED],
    ).values_list("kind", "target_type_id", "target_id", "created_at", "decided_at")
    samples: dict[str, list[float]] = defaultdict(list)
    # SOW and estimate approvals point at their versions; count those by kind without the engagement filter
    # only when the target is not an engagement (their visibility follows the engagement of the version).
    sow_targets = _version_engagements()
    for kind, type_id, target_id, asked, decided_at in decided:
        if decided_at is None:
            continue
        eng_id = target_id if type_id == ct.pk else sow_targets.get((type_id, target_id))
        if eng_id is None or eng_id not in visible:
            continue
        samples[kind].append(cal.between(asked, decided_at, unit="business_days") / DAY)
    kinds = list(ApprovalKind)
    return Figure(
        id="approval-cycle",
        title=f"Approval cycle time, request to decision (business days, last {days} days)",
        kind="bar",
        unit="business days",
        labels=[k.label for k in kinds],
        series=[
            Series("Median", [quantile(samples[k], 0.5) or 0.0 for k in kinds]),
            Series("P80", [quantile(samples[k], 0.8) or 0.0 for k in kinds]),
        ],
        rows=[{"kind": k.label, "decisions": len(samples[k])} for k in kinds],
    )


def _version_engagements() -> dict[tuple[int, int], int]:
    """(content type id, version id) → engagement id for estimate and SOW versions (approval targets)."""
    from psdesk.sows.models import SowVersion  # noqa: PLC0415 — only this figure reads SOW versions

    out: dict[tuple[int, int], int] = {}
    for model, engagement in ((EstimateVersion, "engagement_id"), (SowVersion, "sow__engagement_id")):
        type_id = ContentType.objects.get_for_model(model).pk
        ids = ApprovalRequest.objects.filter(target_type_id=type_id).values_list("target_id", flat=True)
        for pk, eng in model._default_manager.filter(pk__in=ids).values_list("pk", engagement):
            out[(type_id, pk)] = eng
    return out


def column_times(*, user: Actor, now: datetime, days: int) -> Figure:
    """Time in each board column (business days, median and P80 of the moves of the last `days`),
    from the board's own metrics."""
    rows = board_cycle_times(user=user, days=days, now=now)
    return Figure(
        id="column-time",
        title=f"Time in each column (business days, last {days} days)",
        kind="bar",
        unit="business days",
        labels=[COLUMN_NAMES.get(r.state, r.label) for r in rows],
        series=[
            Series("Median", [r.median_days or 0.0 for r in rows]),
            Series("P80", [r.p80_days or 0.0 for r in rows]),
        ],
        rows=[{"column": COLUMN_NAMES.get(r.state, r.label), "moves": r.samples, "wip": r.wip} for r in rows],
    )


# --- SLA and welcome emails ------------------------------------------------------------------------------


def _visible_target_filter(user: Actor) -> Callable[[int, int], bool]:
    eng_ct = ContentType.objects.get_for_model(Engagement).pk
    proj_ct = ContentType.objects.get_for_model(Project).pk
    engagements = set(Engagement.objects.visible_to(user).values_list("pk", flat=True))
    projects = set(Project.objects.visible_to(user).values_list("pk", flat=True))

    def visible(type_id: int, target_id: int) -> bool:
        if type_id == eng_ct:
            return target_id in engagements
        if type_id == proj_ct:
            return target_id in projects
        return True

    return visible


def sla_risk(*, user: Actor) -> Figure:
    """Running SLA timers at risk or breached, per timer type (policy name)."""
    visible = _visible_target_filter(user)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    timers = (
        SlaTimer.objects.active()
        .filter(status__in=[TimerStatus.AT_RISK, TimerStatus.BREACHED])
        .values_list("policy__name", "target_type_id", "target_id", "status")
    )
    for name, type_id, target_id, status in timers:
        if visible(type_id, target_id):
            counts[name][0 if status == TimerStatus.AT_RISK else 1] += 1
    names = sorted(counts)
    return Figure(
        id="sla-risk",
        title="SLA timers at risk or breached, by timer",
        kind="bar",
        unit="timers",
        labels=names,
        series=[
            Series("At risk", [float(counts[n][0]) for n in names]),
            Series("Breached", [float(counts[n][1]) for n in names]),
        ],
    )


def welcome_rate(*, user: Actor, today: date, months: int) -> Figure:
    """Share of welcome emails sent within their SLA, per booking month (finished timers)."""
    by_month = {r.label: r for r in welcome_on_time(user=user)[0]}
    labels = months_back(today, months)
    target = policy_get().welcome_target_rate
    return Figure(
        id="welcome-on-time",
        title="Welcome email on time, by booking month (%)",
        kind="line",
        unit="%",
        labels=labels,
        series=[
            Series(
                "On time (%)",
                [float(by_month[m].percent or 0) if m in by_month else 0.0 for m in labels],
            )
        ],
        target=float(target * 100),
        rows=[{"month": m, "met": by_month[m].met, "missed": by_month[m].missed} for m in labels if m in by_month],
    )


# --- "we strive to start the projects within days of closed/won" -------------------------------------------


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(9), tzinfo=UTC)


def start_lead(*, user: Actor, today: date, months: int) -> Figure:
    """Business days from Closed Won to the committed project start, median and P80 per month of
    Closed Won, with per-service-type figures and the projects still waiting (oldest first)."""
    cal = _calendar()
    target = policy_get().start_target_days
    labels = months_back(today, months)
    entries = (
        QueueEntry.objects.visible_to(user)
        .active()
        .filter(kind=DemandKind.COMMITTED, closed_won_at__isnull=False)
        .select_related("account")
    )
    by_month: dict[str, list[float]] = defaultdict(list)
    by_service: dict[str, list[float]] = defaultdict(list)
    waiting = []
    now = _midnight(today)
    for e in entries:
        if e.closed_won_at is None:
            continue
        if e.committed_start is None:
            waiting.append((e.closed_won_at, e))
            continue
        # whole business days between the two dates: a start date has no time of day
        won_day, start_day = _midnight(e.closed_won_at.date()), _midnight(e.committed_start)
        days = max(0.0, cal.between(won_day, start_day, unit="business_days") / DAY)
        by_month[f"{e.closed_won_at:%Y-%m}"].append(days)
        by_service[e.service_type].append(days)
    waiting.sort(key=lambda pair: (pair[0], pair[1].pk))
    services = [s for s in ServiceType if by_service.get(s)]
    return Figure(
        id="start-lead",
        title=f"Closed Won to project start (business days; we strive for {target})",
        kind="line",
        unit="business days",
        labels=labels,
        series=[
            Series("Median", [quantile(by_month[m], 0.5) or 0.0 for m in labels]),
            Series("P80", [quantile(by_month[m], 0.8) or 0.0 for m in labels]),
        ],
        target=float(target),
        rows=[
            {
                "service_type": s.label,
                "projects": len(by_service[s]),
                "median": quantile(by_service[s], 0.5),
                "p80": quantile(by_service[s], 0.8),
            }
            for s in services
        ],
        listed=[
            {
                "waiting": e.title,
                "entry_id": e.pk,
                "customer": e.account.name,
                "closed_won": f"{won:%Y-%m-%d}",
                "business_days": round(cal.between(won, now, unit="business_days") / DAY, 1),
            }
            for won, e in waiting
        ],
    )


# --- the page ------------------------------------------------------------------------------------------------

CHARTS: tuple[str, ...] = (
    "pipeline-by-column",
    "pipeline-by-month",
    "bookings-by-month",
    "margin-distribution",
    "approval-cycle",
    "column-time",
    "sla-risk",
    "welcome-on-time",
    "start-lead",
)


def figure_get(*, user: Actor, chart: str, now: datetime | None = None) -> Figure:
    """One chart's figure by id (one of `CHARTS`); KeyError for an unknown id."""
    now = now or clock.now()
    policy = policy_get()
    today = now.date()
    makers: dict[str, Callable[[], Figure]] = {
        "pipeline-by-column": lambda: pipeline_by_column(user=user),
        "pipeline-by-month": lambda: pipeline_by_month(user=user, today=today, months=policy.months),
        "bookings-by-month": lambda: bookings_by_month(user=user, today=today, months=policy.months),
        "margin-distribution": lambda: margin_distribution(user=user),
        "approval-cycle": lambda: approval_cycle_times(user=user, now=now, days=policy.window_days),
        "column-time": lambda: column_times(user=user, now=now, days=policy.window_days),
        "sla-risk": lambda: sla_risk(user=user),
        "welcome-on-time": lambda: welcome_rate(user=user, today=today, months=policy.months),
        "start-lead": lambda: start_lead(user=user, today=today, months=policy.months),
    }
    return makers[chart]()


def dashboard_figures(*, user: Actor, now: datetime | None = None) -> list[Figure]:
    """Every chart of the dashboard, in page order."""
    now = now or clock.now()
    return [figure_get(user=user, chart=c, now=now) for c in CHARTS]
