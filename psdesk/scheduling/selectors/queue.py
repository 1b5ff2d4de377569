"""Reads of the delivery queue: one entry, the queue with each entry's latest result, an entry's
position, and the demand scheduling can read from an engagement (agreed estimate, intake)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from psdesk.core.errors import NotFound
from psdesk.core.types import Actor, AnyUser
from psdesk.engagements.models import Engagement
from psdesk.estimates.selectors import agreed_version
from psdesk.scheduling.choices import ConsultantRole, ServiceType
from psdesk.scheduling.models import ForecastResult, QueueEntry, Skill
from psdesk.scheduling.role_hours import LineIn
from psdesk.scheduling.selectors.forecast_runs import latest_run_or_none, policy_get
from psdesk.scoping.models import ScopingRequest, SsotRow


def entry_get(*, user: AnyUser, entry_id: int) -> QueueEntry:
    """A queue entry the user may see; 404 for PubSec entries to non-members."""
    e = (
        QueueEntry.objects.visible_to(user)
        .select_related("account", "opportunity", "engagement")
        .filter(pk=entry_id)
        .first()
    )
    if e is None:
        raise NotFound(f"Queue entry {entry_id} not found.")
    return e


@dataclass
class QueueRow:
    """An entry with its latest result. `position` is its place among the entries the reader may
    see (PubSec work still takes capacity in everyone's forecast, but leaves no gap in the numbers)."""

    entry: QueueEntry
    result: ForecastResult | None
    position: int | None = None

    @property
    def customer_text(self) -> str:
        """What may be said to a customer: a date only once committed, otherwise a forecast."""
        if self.entry.committed_start:
            return f"Start committed: {self.entry.committed_start.isoformat()}"
        if self.result is None or self.result.p50_date is None:
            return "Forecast: not yet available"
        return f"Forecast: week of {self.result.p50_date:%d %b %Y} (P50), not a commitment"


def queue_list(*, user: AnyUser, limit: int = 200, offset: int = 0) -> tuple[int, list[QueueRow]]:
    """The active queue in queue order with each entry's result in the latest run."""
    qs = QueueEntry.objects.visible_to(user).active().in_queue_order().select_related("account", "opportunity")
    total = qs.count()
    entries = list(qs[offset : offset + limit])
    run = latest_run_or_none()
    results = {r.entry_id: r for r in ForecastResult.objects.filter(run=run, entry__in=entries)} if run else {}
    return total, [QueueRow(e, results.get(e.pk), offset + i + 1) for i, e in enumerate(entries)]


def queue_position(*, user: Actor, entry: QueueEntry) -> int | None:
    """The entry's place among the active entries the user may see (None once removed)."""
    ids = list(QueueEntry.objects.visible_to(user).active().in_queue_order().values_list("id", flat=True))
    return ids.index(entry.pk) + 1 if entry.pk in ids else None


# --- demand read from the agreed estimate and the scheduling intake --------------------------------

SERVICE_KEYWORDS = (
    ("migrat", ServiceType.MIGRATION),
    ("ci", ServiceType.CICD),
    ("assess", ServiceType.ASSESSMENT),
    ("health", ServiceType.ASSESSMENT),
    ("advis", ServiceType.ADVISORY),
    ("educ", ServiceType.EDUCATION),
    ("train", ServiceType.EDUCATION),
    ("impl", ServiceType.IMPLEMENTATION),
)
# The Services Calculator's service types (psdesk.scoping keys) as the queue names them.
CALCULATOR_SERVICE_TYPES = {
    "implementation": ServiceType.IMPLEMENTATION,
    "scm_migration": ServiceType.MIGRATION,
    "cicd_transition": ServiceType.CICD,
    "readiness_assessment": ServiceType.ASSESSMENT,
    "advisory": ServiceType.ADVISORY,
    "custom_education": ServiceType.EDUCATION,
}


def _service_type_of(text: str) -> str:
    """Map a calculator key or an estimate line's free-text service type onto ServiceType (OTHER when
    nothing matches)."""
    t = (text or "").lower()
    if t in ServiceType.values:
        return t
    if t in CALCULATOR_SERVICE_TYPES:
        return CALCULATOR_SERVICE_TYPES[t]
    return next((st for key, st in SERVICE_KEYWORDS if key in t), ServiceType.OTHER)


def calculator_service_types(engagement: Engagement) -> list[str]:
    """The engagement's service types as the Services Calculator recorded them (queue names, in the
    order chosen), else those of its SSOT rows; empty for an engagement made without the calculator."""
    req = ScopingRequest.objects.filter(engagement=engagement).only("service_types").first()
    keys = list(req.service_types) if req is not None else []
    if not keys:
        keys = list(dict.fromkeys(SsotRow.objects.filter(engagement=engagement).values_list("service_type", flat=True)))
    types = [_service_type_of(k) for k in keys]
    return list(dict.fromkeys(t for t in types if t != ServiceType.OTHER))


@dataclass
class EngagementDemand:
    """What scheduling can read from other apps about an engagement (all optional). `service_types`
    are the calculator's (in its order); `service_type` the one carrying the most agreed hours."""

    lines: list[LineIn]
    service_type: str = ServiceType.OTHER
    desired_start: date | None = None
    desired_end: date | None = None
    requires_clearance: bool | None = None
    delivery_mode: str = "remote"
    service_types: list[str] = field(default_factory=list)
    version_number: int | None = None


def engagement_demand_get(*, engagement: Engagement) -> EngagementDemand:
    """Role-hours from the customer-agreed estimate version — every line, the Engagement Manager's
    hours under the policy's `em_hours_role` (not queued when it is blank) — and skills, start window
    and clearance from the scheduling intake. `lines` is empty when there is no agreed estimate; the
    intake's skills (names only) are required at the policy's level on every PSE and TA line, and
    only skills scheduling knows are kept. The service type is the calculator's: a line without a
    known type counts for the calculator's first type."""
    version = agreed_version(engagement)
    policy = policy_get()
    calculator = calculator_service_types(engagement)
    hours: dict[str, Decimal] = {}
    kinds: dict[str, Decimal] = {}
    if version is not None:
        for ln in version.lines.all():
            role = policy.em_hours_role if ln.role == "EM" else ln.role
            if role in ConsultantRole.values:
                hours[role] = hours.get(role, Decimal("0")) + ln.hours
            st = _service_type_of(ln.service_type)
            if st == ServiceType.OTHER and calculator:
                st = calculator[0]
            kinds[st] = kinds.get(st, Decimal("0")) + ln.hours
    intake = getattr(engagement, "scheduling_intake", None) if hasattr(engagement, "scheduling_intake") else None
    skills: dict[str, int] = {}
    if intake is not None:
        known = set(Skill.objects.filter(name__in=list(intake.skills_needed or [])).values_list("name", flat=True))
        level = int(policy.intake_skill_level)
        skills = {k: level for k in intake.skills_needed or [] if k in known}
    lines = [
        LineIn(role, h, None, dict(skills) if role in (ConsultantRole.PSE, ConsultantRole.TA) else {})
        for role, h in sorted(hours.items())
    ]
    primary = max(kinds, key=lambda k: kinds[k]) if kinds else (calculator[0] if calculator else ServiceType.OTHER)
    out = EngagementDemand(
        lines,
        primary,
        service_types=calculator or ([primary] if primary != ServiceType.OTHER else []),
        version_number=version.number if version is not None else None,
    )
    if intake is not None:
        out.desired_start, out.desired_end = intake.start_window_from, intake.start_window_to
        needs = bool(intake.us_citizenship_required or intake.clearance_required)
        out.requires_clearance = True if needs or engagement.account.us_public_sector else None
        out.delivery_mode = "onsite" if intake.delivery_mode == "onsite" else "remote"
    return out
