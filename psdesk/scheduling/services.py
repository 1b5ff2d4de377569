"""Writes of the scheduling app: consultants import, queue entry, pipeline demand, start commitment,
staffing allocations, and the forecast run (the worker's job). Reads live in selectors.py."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import transition_apply
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Account, Opportunity
from psdesk.engagements.models import Engagement
from psdesk.scheduling import forecast as fc
from psdesk.scheduling.choices import AllocationKind, ConsultantRole, DemandKind, QueueStatus, Region, ServiceType
from psdesk.scheduling.models import (
    Allocation,
    Consultant,
    ConsultantSkill,
    DemandLine,
    ForecastPolicy,
    ForecastResult,
    ForecastRun,
    LeadTime,
    QueueEntry,
    Skill,
    StageProbability,
    TimeOff,
)
from psdesk.scheduling.workflow import QUEUE_WORKFLOW

KEEP_RUNS = 5
MIN_SAMPLES = 200  # the floor for a P50/P80 worth publishing
PIPELINE_STAGES = (OpportunityStage.NEGOTIATING, OpportunityStage.AWAITING_SIGNATURE)
DEFAULT_PROBABILITIES = {
    OpportunityStage.NEGOTIATING: Decimal("0.5"),
    OpportunityStage.AWAITING_SIGNATURE: Decimal("0.8"),
}


def policy_get() -> ForecastPolicy:
    """The forecast policy row, created with the defaults on first use."""
    obj, _ = ForecastPolicy.objects.get_or_create(id=1)
    return obj


def stage_probabilities() -> dict[str, float]:
    rows = {r.stage: float(r.probability) for r in StageProbability.objects.all()}
    return {str(s): rows.get(s, float(p)) for s, p in DEFAULT_PROBABILITIES.items()}


def _notify(*, event: str, target: Any, actor: Actor | None = None, context: dict[str, Any]) -> None:
    from psdesk.notifications.services import notify

    coordinators = get_user_model().objects.filter(groups__name="ps-scheduling", is_active=True)
    notify(event=event, target=target, actor=actor, context=context, recipients=list(coordinators))


def _enqueue_forecast() -> None:
    """Recompute the forecast after commit on the "forecast" queue. One pending recompute is
    enough: a burst of queue entries (an import, a busy quarter end) coalesces into one run."""
    transaction.on_commit(_enqueue_now)


def _enqueue_now() -> None:
    from psdesk.scheduling.tasks import forecast_recompute

    try:
        from django_tasks_db.models import DBTaskResult

        pending = DBTaskResult.objects.filter(
            task_path=f"{forecast_recompute.module_path}", status="READY", queue_name="forecast"
        ).exists()
    except Exception:  # another backend (immediate/dummy in some settings): nothing to coalesce with
        pending = False
    if not pending:
        forecast_recompute.enqueue()


# --- input validation ----------------------------------------------------------------------------


@dataclass
class LineIn:
    """Role-hours for one role: `hours` in total, optionally `weekly_hours` (default from policy)."""

    role: str
    hours: Decimal | float | int | str
    weekly_hours: Decimal | float | int | str | None = None
    skills: dict[str, int] = field(default_factory=dict)


def _dec(value: Any, name: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{name} must be a number.", details={"field": name}) from None
    if not d.is_finite():
        raise ValidationFailed(f"{name} must be a number.", details={"field": name})
    return d


def lines_validate(lines: Sequence[LineIn], *, policy: ForecastPolicy | None = None) -> list[LineIn]:
    """Role-hours normalised (weekly hours filled from policy). Raises ValidationFailed with a reason:
    no lines (the forecast needs role-hours), unknown role or skill, hours not positive."""
    if not lines:
        raise ValidationFailed(
            "The forecast needs role-hours: give hours by role (e.g. PSE 120, PM 20).", code="no_role_hours"
        )
    policy = policy or policy_get()
    known = set(Skill.objects.values_list("name", flat=True))
    out = []
    for i, ln in enumerate(lines):
        if ln.role not in ConsultantRole.values:
            raise ValidationFailed(
                f"Unknown role '{ln.role}'. Roles: {', '.join(ConsultantRole.values)}.", details={"line": i}
            )
        hours = _dec(ln.hours, "hours")
        if hours <= 0:
            raise ValidationFailed(f"{ln.role} hours must be above zero.", code="no_role_hours", details={"line": i})
        weekly = _dec(ln.weekly_hours, "weekly_hours") if ln.weekly_hours not in (None, "") else None
        weekly = weekly if weekly is not None else policy.weekly_hours_for(ln.role)
        if weekly <= 0 or weekly > 80:
            raise ValidationFailed("Weekly hours must be above 0 and at most 80.", details={"line": i})
        for skill, level in (ln.skills or {}).items():
            if skill not in known:
                raise ValidationFailed(f"Unknown skill '{skill}'.", code="unknown_skill", details={"line": i})
            if not isinstance(level, int) or not 1 <= level <= 5:
                raise ValidationFailed(f"Skill level of '{skill}' must be 1 to 5.", details={"line": i})
        out.append(LineIn(ln.role, hours, weekly, dict(ln.skills or {})))
    return out


def _regions_validate(regions: Iterable[str]) -> str:
    regions = [r for r in regions if r]
    bad = [r for r in regions if r not in Region.values]
    if bad:
        raise ValidationFailed(f"Unknown region '{bad[0]}'. Regions: {', '.join(Region.values)}.")
    return ",".join(sorted(set(regions)))


# --- consultants ---------------------------------------------------------------------------------

CSV_COLUMNS = [
    "name",
    "email",
    "role",
    "region",
    "timezone",
    "holiday_country",
    "holiday_subdivision",
    "weekly_capacity_hours",
    "utilisation_target",
    "us_citizen",
    "cleared",
    "skills",
]


def time_off_add(
    *, consultant: Consultant, starts_on: date, ends_on: date, reason: str = "", actor: Actor | None = None
) -> TimeOff:
    """Record time off. Raises ValidationFailed when it ends before it starts."""
    if ends_on < starts_on:
        raise ValidationFailed("Time off cannot end before it starts.", code="time_off_order")
    with transaction.atomic():
        t = TimeOff.objects.create(consultant=consultant, starts_on=starts_on, ends_on=ends_on, reason=reason)
        audit_record(
            verb="scheduling.time_off_added",
            actor=actor,
            target=consultant,
            after={"starts_on": starts_on, "ends_on": ends_on, "reason": reason},
        )
    return t


def consultants_import(*, text: str, actor: Actor | None = None) -> int:
    """Create or update consultants from CSV (columns CSV_COLUMNS; skills as `geo:3;ci:2`).
    All rows or none: the first bad row raises ValidationFailed naming the line."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("name", "email", "role") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(f"CSV lacks the column(s) {', '.join(missing)}.")
    count = 0
    with transaction.atomic():
        for n, row in enumerate(reader, start=2):
            try:
                _import_row(row)
            except ValidationFailed as exc:
                raise ValidationFailed(f"line {n}: {exc.message}", details={"line": n}) from None
            count += 1
        audit_record(verb="scheduling.consultants_imported", actor=actor, after={"rows": count})
    return count


def _bool(v: str | None) -> bool:
    return (v or "").strip().lower() in {"1", "yes", "true", "y"}


def _import_row(row: dict[str, str]) -> None:
    role = (row.get("role") or "").strip()
    if role not in ConsultantRole.values:
        raise ValidationFailed(f"unknown role '{role}'")
    cap = _dec(row.get("weekly_capacity_hours") or "40", "weekly_capacity_hours")
    if cap < 0:
        raise ValidationFailed("capacity cannot be below zero")
    util = _dec(row.get("utilisation_target") or "0.7", "utilisation_target")
    if not 0 <= util <= 1:
        raise ValidationFailed("utilisation target must be between 0 and 1")
    region = (row.get("region") or "AMER").strip()
    _regions_validate([region])
    c, _ = Consultant.objects.update_or_create(
        email=row["email"].strip(),
        defaults={
            "name": row["name"].strip(),
            "role": role,
            "region": region,
            "timezone": (row.get("timezone") or "America/New_York").strip(),
            "holiday_country": (row.get("holiday_country") or "US").strip(),
            "holiday_subdivision": (row.get("holiday_subdivision") or "").strip(),
            "weekly_capacity_hours": cap,
            "utilisation_target": util,
            "us_citizen": _bool(row.get("us_citizen")),
            "cleared": _bool(row.get("cleared")),
        },
    )
    ConsultantSkill.objects.filter(consultant=c).delete()
    for part in filter(None, (row.get("skills") or "").split(";")):
        name, _, level = part.partition(":")
        skill, _ = Skill.objects.get_or_create(name=name.strip())
        lvl = int(level) if level.strip().isdigit() else 0
        if not 1 <= lvl <= 5:
            raise ValidationFailed(f"skill level of '{name}' must be 1 to 5")
        ConsultantSkill.objects.create(consultant=c, skill=skill, level=lvl)


# --- demand from the agreed estimate and the scheduling intake ------------------------------------

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


def service_type_guess(text: str) -> str:
    """Map an estimate line's free-text service type onto ServiceType (OTHER when nothing matches)."""
    t = (text or "").lower()
    if t in ServiceType.values:
        return t
    return next((st for key, st in SERVICE_KEYWORDS if key in t), ServiceType.OTHER)


@dataclass
class Derived:
    """What scheduling can read from other apps about an engagement (all optional)."""

    lines: list[LineIn]
    service_type: str = ServiceType.OTHER
    desired_start: date | None = None
    desired_end: date | None = None
    requires_clearance: bool | None = None
    delivery_mode: str = "remote"


def demand_from_engagement(engagement: Engagement) -> Derived:
    """Role-hours from the customer-agreed estimate version (EM hours are pre-sales, so skipped) and
    skills, start window and clearance from the scheduling intake. `lines` is empty when there is no
    agreed estimate; the intake's skills (names only) are required at the policy's level on every
    PSE and TA line, and only skills scheduling knows are kept."""
    from psdesk.estimates.selectors import agreed_version

    version = agreed_version(engagement)
    hours: dict[str, Decimal] = {}
    kinds: dict[str, Decimal] = {}
    if version is not None:
        for ln in version.lines.all():
            if ln.role in ConsultantRole.values:
                hours[ln.role] = hours.get(ln.role, Decimal("0")) + ln.hours
            st = service_type_guess(ln.service_type)
            kinds[st] = kinds.get(st, Decimal("0")) + ln.hours
    intake = getattr(engagement, "scheduling_intake", None) if hasattr(engagement, "scheduling_intake") else None
    skills: dict[str, int] = {}
    if intake is not None:
        known = set(Skill.objects.filter(name__in=list(intake.skills_needed or [])).values_list("name", flat=True))
        level = int(policy_get().intake_skill_level)
        skills = {k: level for k in intake.skills_needed or [] if k in known}
    lines = [
        LineIn(role, h, None, dict(skills) if role in (ConsultantRole.PSE, ConsultantRole.TA) else {})
        for role, h in sorted(hours.items())
    ]
    out = Derived(lines, max(kinds, key=lambda k: kinds[k]) if kinds else ServiceType.OTHER)
    if intake is not None:
        out.desired_start, out.desired_end = intake.start_window_from, intake.start_window_to
        needs = bool(intake.us_citizenship_required or intake.clearance_required)
        out.requires_clearance = True if needs or engagement.account.us_public_sector else None
        out.delivery_mode = "onsite" if intake.delivery_mode == "onsite" else "remote"
    return out


def on_opportunity_stage(applied: Any, ctx: Any) -> None:
    """CRM after-stage hook (runs in the stage move's transaction): stage 5+ adds tentative demand
    when an agreed estimate gives role-hours; Closed Won promotes it (or queues the project) and
    recomputes the forecast; Closed Lost removes it. Missing role-hours never block the CRM move:
    the opportunity is then listed by `demand_from_pipeline` as needing role-hours."""
    opp = applied.obj
    entry = QueueEntry.objects.filter(opportunity=opp).exclude(status=QueueStatus.REMOVED).first()
    if applied.target == OpportunityStage.CLOSED_WON and entry is not None and entry.kind == DemandKind.TENTATIVE:
        demand_from_pipeline(actor=ctx.actor)
        return
    if applied.target not in (*PIPELINE_STAGES, OpportunityStage.CLOSED_WON):
        if entry is not None and entry.kind == DemandKind.TENTATIVE:
            demand_from_pipeline(actor=ctx.actor)
        return
    if entry is not None:
        return
    eng = opp.engagements.select_related("account").first()
    if eng is None:
        return
    derived = demand_from_engagement(eng)
    if not derived.lines:
        return
    won = applied.target == OpportunityStage.CLOSED_WON
    try:
        with transaction.atomic():
            queue_enter(
                role_hours=derived.lines,
                actor=ctx.actor,
                engagement=eng,
                opportunity=opp,
                kind=DemandKind.COMMITTED if won else DemandKind.TENTATIVE,
                closed_won_at=clock.now() if won else None,
                service_type=derived.service_type,
                desired_start=derived.desired_start,
                desired_end=derived.desired_end,
                requires_clearance=derived.requires_clearance,
                delivery_mode=derived.delivery_mode,
            )
    except ValidationFailed:
        return  # bad derived data must not block the sale; the coordinator enters it by hand


# --- the queue -----------------------------------------------------------------------------------


def queue_enter(
    *,
    role_hours: Sequence[LineIn] | None,
    actor: Actor | None = None,
    engagement: Engagement | None = None,
    opportunity: Opportunity | None = None,
    account: Account | None = None,
    closed_won_at: datetime | None = None,
    kind: str = DemandKind.COMMITTED,
    title: str = "",
    service_type: str = ServiceType.OTHER,
    desired_start: date | None = None,
    desired_end: date | None = None,
    regions: Iterable[str] = (),
    requires_clearance: bool | None = None,
    delivery_mode: str = "remote",
) -> QueueEntry:
    """Put a project in the delivery queue with its role-hours: given here, or (when `role_hours`
    is None and an engagement is named) taken from the customer-agreed estimate version.
    Committed entries need `closed_won_at`; tentative
    ones need a stage 5+ opportunity. PubSec accounts require cleared consultants unless told.
    Side effects: audit row `scheduling.queued`, `project.queued` to ps-scheduling, forecast
    recomputed after commit. Raises ValidationFailed (no role-hours, unknown skill/role/region ...)."""
    if engagement is not None:
        opportunity = opportunity or engagement.opportunity
        account = account or engagement.account
        # what the caller leaves open comes from the agreed estimate and the scheduling intake
        derived = demand_from_engagement(engagement)
        desired_start = desired_start or derived.desired_start
        desired_end = desired_end or derived.desired_end
        requires_clearance = derived.requires_clearance if requires_clearance is None else requires_clearance
        service_type = derived.service_type if service_type == ServiceType.OTHER else service_type
        if role_hours is None:
            role_hours = derived.lines
            if not derived.lines:
                raise ValidationFailed(
                    "The forecast needs role-hours: the engagement has no customer-agreed estimate, "
                    "so give hours by role.",
                    code="no_role_hours",
                )
    if opportunity is not None:
        account = account or opportunity.account
    if account is None:
        raise ValidationFailed("Name the engagement, opportunity or account the project is for.")
    if kind not in DemandKind.values:
        raise ValidationFailed(f"Unknown kind '{kind}'.")
    if kind == DemandKind.COMMITTED and closed_won_at is None:
        raise ValidationFailed("A committed project needs its closed-won time.", details={"field": "closed_won_at"})
    if kind == DemandKind.TENTATIVE and (opportunity is None or opportunity.stage not in PIPELINE_STAGES):
        raise ValidationFailed("Tentative demand comes only from a stage 5+ opportunity.")
    if service_type not in ServiceType.values:
        raise ValidationFailed(f"Unknown service type '{service_type}'.")
    if desired_start and desired_end and desired_end < desired_start:
        raise ValidationFailed("The desired start window ends before it starts.")
    lines = lines_validate(role_hours or [])
    region_text = _regions_validate(regions)
    with transaction.atomic():
        entry = QueueEntry.objects.create(
            title=title or (engagement.title if engagement else opportunity.name if opportunity else account.name),
            account=account,
            opportunity=opportunity,
            engagement=engagement,
            kind=kind,
            service_type=service_type,
            closed_won_at=closed_won_at if kind == DemandKind.COMMITTED else None,
            expected_close=opportunity.close_date if opportunity else None,
            desired_start=desired_start,
            desired_end=desired_end,
            requires_clearance=account.us_public_sector if requires_clearance is None else requires_clearance,
            regions=region_text,
            delivery_mode=delivery_mode,
        )
        DemandLine.objects.bulk_create(
            DemandLine(
                entry=entry,
                role=ln.role,
                hours=Decimal(str(ln.hours)),
                weekly_hours=Decimal(str(ln.weekly_hours)),
                skills=ln.skills,
            )
            for ln in lines
        )
        queue_entered(entry=entry, actor=actor)
    return entry


def queue_entered(*, entry: QueueEntry, actor: Actor | None = None) -> None:
    """Side effects of a new queue entry (also for entries saved in admin): audit row
    `scheduling.queued`, `project.queued` to ps-scheduling, forecast recomputed after commit."""
    lines = [
        {"role": ln.role, "hours": ln.hours, "weekly_hours": ln.weekly_hours, "skills": ln.skills}
        for ln in entry.lines.all()
    ]
    with transaction.atomic():
        audit_record(
            verb="scheduling.queued",
            actor=actor,
            target=entry,
            after={"kind": entry.kind, "closed_won_at": entry.closed_won_at, "lines": lines},
        )
        _notify(event="project.queued", target=entry, actor=actor, context={"kind": entry.kind, "title": entry.title})
        _enqueue_forecast()


def queue_import(*, text: str, actor: Actor) -> int:
    """Enter projects from CSV: `title,account_id,opportunity_id,closed_won_at,service_type,
    desired_start,regions,requires_clearance,hours` with hours as `PSE:120:geo=3;ci=2,PM:20`
    (kind is committed when closed_won_at is given, else tentative). All rows or none; the first
    bad row raises ValidationFailed naming the line."""
    reader = csv.DictReader(io.StringIO(text))
    if "hours" not in (reader.fieldnames or []):
        raise ValidationFailed("CSV lacks the column hours (e.g. PSE:120,PM:20): the forecast needs role-hours.")
    count = 0
    with transaction.atomic():
        for n, row in enumerate(reader, start=2):
            try:
                account = Account.objects.visible_to(actor).filter(pk=int(row.get("account_id") or 0)).first()
                opp_id = int(row.get("opportunity_id") or 0)
                opp = Opportunity.objects.visible_to(actor).filter(pk=opp_id).first() if opp_id else None
                if account is None and opp is None:
                    raise ValidationFailed("unknown account or opportunity")
                won = (row.get("closed_won_at") or "").strip()
                start = (row.get("desired_start") or "").strip()
                queue_enter(
                    role_hours=role_hours_parse(row.get("hours") or ""),
                    actor=actor,
                    account=account,
                    opportunity=opp,
                    kind=DemandKind.COMMITTED if won else DemandKind.TENTATIVE,
                    closed_won_at=datetime.fromisoformat(won) if won else None,
                    title=(row.get("title") or "").strip(),
                    service_type=(row.get("service_type") or ServiceType.OTHER).strip(),
                    desired_start=date.fromisoformat(start) if start else None,
                    regions=[r.strip() for r in (row.get("regions") or "").split(";")],
                    requires_clearance=_bool(row["requires_clearance"]) if row.get("requires_clearance") else None,
                )
            except ValidationFailed as exc:
                raise ValidationFailed(f"line {n}: {exc.message}", details={"line": n}) from None
            except ValueError as exc:
                raise ValidationFailed(f"line {n}: {exc}", details={"line": n}) from None
            count += 1
    return count


def role_hours_parse(text: str) -> list[LineIn]:
    """`PSE:120:geo=3;ci=2,PM:20` → role-hours lines (CLI and CSV)."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        bits = part.split(":")
        if len(bits) < 2:
            raise ValidationFailed(f"Give role-hours as ROLE:HOURS[:skill=level;...], not '{part}'.")
        skills: dict[str, int] = {}
        if len(bits) > 2:
            for item in filter(None, bits[2].split(";")):
                k, _, v = item.partition("=")
                skills[k.strip()] = int(v) if v.strip().isdigit() else 0
        out.append(LineIn(bits[0].strip(), bits[1].strip(), None, skills))
    return out


def demand_from_pipeline(*, actor: Actor | None = None) -> dict[str, list[int]]:
    """Reconcile tentative demand with the CRM: a tentative entry whose opportunity is now Closed Won
    becomes committed (closed won now, behind every earlier close); one whose opportunity left stage 5+
    otherwise is removed; stage 5+ opportunities without an entry are listed as needing role-hours.
    Returns {"promoted", "removed", "needs_role_hours"} (ids)."""
    promoted: list[int] = []
    removed: list[int] = []
    with transaction.atomic():
        for e in (
            QueueEntry.objects.select_for_update(of=("self",))
            .filter(kind=DemandKind.TENTATIVE)
            .exclude(status=QueueStatus.REMOVED)
            .select_related("opportunity")
        ):
            stage = e.opportunity.stage if e.opportunity else None
            if stage == OpportunityStage.CLOSED_WON:
                e.kind, e.closed_won_at, e.version = DemandKind.COMMITTED, clock.now(), e.version + 1
                e.save(update_fields=["kind", "closed_won_at", "version"])
                audit_record(
                    verb="scheduling.promoted", actor=actor, target=e, after={"closed_won_at": e.closed_won_at}
                )
                _notify(event="project.queued", target=e, actor=actor, context={"kind": "committed", "title": e.title})
                promoted.append(e.pk)
            elif stage not in PIPELINE_STAGES:
                e.status, e.version = QueueStatus.REMOVED, e.version + 1
                e.save(update_fields=["status", "version"])
                audit_record(verb="scheduling.removed", actor=actor, target=e, after={"stage": stage})
                removed.append(e.pk)
            elif e.opportunity is not None and e.expected_close != e.opportunity.close_date:
                e.expected_close = e.opportunity.close_date
                e.save(update_fields=["expected_close"])
        queued = set(QueueEntry.objects.exclude(opportunity=None).values_list("opportunity_id", flat=True))
        needs = list(
            Opportunity.objects.filter(stage__in=PIPELINE_STAGES).exclude(id__in=queued).values_list("id", flat=True)
        )
        if promoted or removed:
            _enqueue_forecast()
    return {"promoted": promoted, "removed": removed, "needs_role_hours": needs}


def start_commit(
    *,
    entry_id: int,
    start: date | None,
    confirm: bool,
    actor: Actor,
    queryset: Any = None,
    expected_version: int | None = None,
) -> QueueEntry:
    """Commit a start date: only for a Closed Won opportunity, by ps-scheduling, with explicit
    confirmation (the guards of QUEUE_WORKFLOW). Audited; refusal raises TransitionNotAllowed."""
    qs = queryset if queryset is not None else QueueEntry.objects.all()

    def before_save(obj: Any, move: Any, source: str, target: str) -> dict[str, Any]:
        return {"committed_start": start, "committed_by_id": getattr(actor, "pk", None)}

    applied = transition_apply(
        workflow=QUEUE_WORKFLOW,
        queryset=qs,  # no select_related: FOR UPDATE may not reach the nullable side of an outer join
        pk=entry_id,
        action="commit_start",
        actor=actor,
        expected_version=expected_version,
        data={"confirm": confirm, "start": start},
        before_save=before_save,
    )
    entry: QueueEntry = applied.obj
    entry.refresh_from_db()
    return entry


# --- staffing ------------------------------------------------------------------------------------


def allocation_conflicts(*, consultant: Consultant, starts_on: date, ends_on: date, weekly_hours: Decimal) -> list[str]:
    """Human descriptions of what an allocation would clash with: time off, over-allocation."""
    out = [
        f"time off {t.starts_on} to {t.ends_on}" + (f" ({t.reason})" if t.reason else "")
        for t in consultant.time_off.filter(starts_on__lte=ends_on, ends_on__gte=starts_on)
    ]
    booked = sum(
        (
            a.weekly_hours
            for a in consultant.allocations.filter(
                kind=AllocationKind.HARD, starts_on__lte=ends_on, ends_on__gte=starts_on
            )
        ),
        Decimal("0"),
    )
    cap = consultant.weekly_capacity_hours
    if booked + weekly_hours > cap:
        out.append(f"over-allocated: {booked + weekly_hours:g} h/week booked against {cap:g} h/week capacity")
    return out


def allocation_create(
    *,
    entry: QueueEntry,
    consultant: Consultant,
    kind: str,
    starts_on: date,
    ends_on: date,
    weekly_hours: Decimal,
    actor: Actor,
    override_reason: str = "",
) -> Allocation:
    """Staff a consultant on a queued project. Hard constraints (clearance for PubSec, region) are
    never overridable; conflicts (time off, over-allocation) need `override_reason`.
    Hard allocations reduce capacity in the next forecast (recomputed after commit)."""
    if kind not in AllocationKind.values:
        raise ValidationFailed(f"Unknown allocation kind '{kind}'.")
    if ends_on < starts_on:
        raise ValidationFailed("The allocation ends before it starts.")
    if weekly_hours <= 0:
        raise ValidationFailed("Weekly hours must be above zero.")
    if entry.requires_clearance and not consultant.pubsec_eligible:
        raise ValidationFailed(f"{consultant.name} is not cleared (US citizen with clearance) for this project.")
    if entry.region_list and consultant.region not in entry.region_list:
        raise ValidationFailed(f"{consultant.name} is in {consultant.region}; the project needs {entry.regions}.")
    with transaction.atomic():
        Consultant.objects.select_for_update(of=("self",)).get(pk=consultant.pk)
        conflicts = allocation_conflicts(
            consultant=consultant, starts_on=starts_on, ends_on=ends_on, weekly_hours=weekly_hours
        )
        if conflicts and not override_reason.strip():
            raise Conflict(
                "This allocation conflicts: " + "; ".join(conflicts) + ". Give a reason to override.",
                code="allocation_conflict",
                details={"conflicts": conflicts},
            )
        a = Allocation.objects.create(
            entry=entry,
            consultant=consultant,
            kind=kind,
            starts_on=starts_on,
            ends_on=ends_on,
            weekly_hours=weekly_hours,
            override_reason=override_reason.strip() if conflicts else "",
            created_by=actor,
        )
        audit_record(
            verb="scheduling.allocated",
            actor=actor,
            target=entry,
            after={
                "consultant": consultant.pk,
                "kind": kind,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "weekly_hours": weekly_hours,
                "conflicts": conflicts,
            },
            reason=a.override_reason,
        )
        if kind == AllocationKind.HARD:
            _enqueue_forecast()
    return a


# --- the forecast run ----------------------------------------------------------------------------


@dataclass
class Inputs:
    """Everything the pure forecast needs, read from the database in a handful of queries."""

    week0: date
    weeks: int
    consultants: list[Consultant]
    staff: fc.StaffArrays
    capacity: np.ndarray
    committed: list[QueueEntry]
    tentative: list[QueueEntry]
    committed_demands: list[fc.Demand]
    tentative_demands: list[fc.Demand]
    # entry id → (first week of its hard allocations, [(consultant id, name)]): booked by hand
    staffed: dict[int, tuple[int, list[tuple[int, str]]]] = field(default_factory=dict)

    def label(self, week: int) -> str:
        return (self.week0 + timedelta(weeks=week)).isoformat()


def demand_of(
    entry_lines: Sequence[Any],
    *,
    key: int,
    week0: date,
    desired_start: date | None,
    cleared: bool,
    regions: Sequence[str],
    probability: float = 1.0,
) -> fc.Demand:
    lines = tuple(
        fc.Line(
            ln.role,
            float(ln.weekly_hours),
            fc.weeks_for(float(ln.hours), float(ln.weekly_hours)),
            tuple(sorted((k, int(v)) for k, v in (ln.skills or {}).items())),
        )
        for ln in entry_lines
    )
    earliest = max(0, (desired_start - week0).days // 7) if desired_start else 0
    return fc.Demand(key, lines, earliest, cleared, tuple(regions), probability)


def forecast_inputs(*, policy: ForecastPolicy | None = None, today: date | None = None) -> Inputs:
    policy = policy or policy_get()
    week0 = fc.monday_of(today or clock.today())
    weeks = min(max(int(policy.horizon_weeks), 4), 520)  # the admin validators, also for raw edits
    consultants = list(
        Consultant.objects.filter(active=True).prefetch_related("skills__skill", "time_off").order_by("id")
    )
    staff = fc.staff_compile(
        [
            fc.Staff(c.pk, c.role, c.region, c.pubsec_eligible, tuple((s.skill.name, s.level) for s in c.skills.all()))
            for c in consultants
        ],
        extra_skills=Skill.objects.values_list("name", flat=True),
    )
    shares = [
        fc.working_share(
            week0,
            weeks,
            country=c.holiday_country,
            subdivision=c.holiday_subdivision,
            time_off=[(t.starts_on, t.ends_on) for t in c.time_off.all()],
        )
        for c in consultants
    ]
    capacity = (
        fc.capacity_grid(
            [float(c.weekly_capacity_hours) for c in consultants],
            [float(c.utilisation_target) for c in consultants],
            shares,
        )
        if consultants
        else np.zeros((0, weeks))
    )
    if consultants:
        staff.pace = fc.pace_from_share(np.vstack(shares))
    index = {c.pk: i for i, c in enumerate(consultants)}
    # hard allocations are booked work: take them out of capacity before the queue runs
    for a in Allocation.objects.filter(kind=AllocationKind.HARD, consultant_id__in=index).exclude(
        entry__status=QueueStatus.REMOVED
    ):
        lo = max(0, (a.starts_on - week0).days // 7)
        hi = min(weeks, (a.ends_on - week0).days // 7 + 1)
        if hi > lo:
            row = index[a.consultant_id]
            pace = staff.pace[row, lo:hi] if staff.pace is not None else 1.0
            capacity[row, lo:hi] -= float(a.weekly_hours) * pace
    hard: dict[int, list[tuple[str, int, str, int]]] = {}
    for entry_id, role, cid, name, starts_on in Allocation.objects.filter(kind=AllocationKind.HARD).values_list(
        "entry_id", "consultant__role", "consultant_id", "consultant__name", "starts_on"
    ):
        hard.setdefault(entry_id, []).append((role, cid, name, max(0, (starts_on - week0).days // 7)))
    staffed: dict[int, tuple[int, list[tuple[int, str]]]] = {}
    entries = list(QueueEntry.objects.active().in_queue_order().prefetch_related("lines"))
    probs = stage_probabilities()
    committed = [e for e in entries if e.kind == DemandKind.COMMITTED]
    tentative = [e for e in entries if e.kind == DemandKind.TENTATIVE]

    def demand(e: QueueEntry, p: float) -> fc.Demand:
        """The entry's demand less the lines already booked with hard allocations (their hours are
        out of capacity already); the rest may not start before the booked part or a committed start."""
        lines = list(e.lines.all())
        booked = hard.get(e.pk, [])
        for role, _cid, _name, _week in booked:
            hit = next((ln for ln in lines if ln.role == role), None)
            if hit is not None:
                lines.remove(hit)
        not_before = max((d for d in (e.desired_start, e.committed_start) if d), default=None)
        d = demand_of(
            lines,
            key=e.pk,
            week0=week0,
            desired_start=not_before,
            cleared=e.requires_clearance,
            regions=e.region_list,
            probability=p,
        )
        if booked:
            first = min(w for *_, w in booked)
            staffed[e.pk] = (first, [(cid, name) for _r, cid, name, _w in booked])
            d = replace(d, earliest_week=max(d.earliest_week, first))
        return d

    return Inputs(
        week0,
        weeks,
        consultants,
        staff,
        capacity,
        committed,
        tentative,
        [demand(e, 1.0) for e in committed],
        [demand(e, probs.get(e.opportunity.stage if e.opportunity else "", 0.0)) for e in tentative],
        staffed,
    )


def _pack(sampled: fc.Sampled, inputs: Inputs) -> bytes:
    """The run's arrays as a compressed numpy archive. The tentative allocations are stored already
    expanded to one row per consultant-week (compact integer types), so a what-if in a fresh web
    process only decompresses them."""
    j, k, c, w, amount = sampled.expanded(inputs.staff.pace)
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        base_free=sampled.base_free,
        capacity=inputs.capacity,
        tent_start=sampled.tent_start,
        x_tentative=j.astype(np.int32),
        x_sample=k.astype(np.int16),
        x_consultant=c.astype(np.int32),
        x_week=w.astype(np.int16),
        x_hours=amount,
        keys=inputs.staff.keys,
        roles=inputs.staff.roles,
        regions=inputs.staff.regions,
        cleared=inputs.staff.cleared,
        levels=inputs.staff.levels,
        pace=inputs.staff.pace if inputs.staff.pace is not None else np.ones_like(inputs.capacity),
    )
    return buf.getvalue()


def forecast_run(*, progress: Callable[[int], None] | None = None, today: date | None = None) -> ForecastRun:
    """Run the whole forecast (committed deterministic, tentative sampled) and store it as the latest
    run: results per entry, the lead-time table, and the samples for what-ifs. Notifies
    `forecast.slipped` for entries whose P50 moved later than the policy's slip threshold."""
    policy = policy_get()
    t0 = time.perf_counter()
    inputs = forecast_inputs(policy=policy, today=today)
    sampled = fc.forecast_sampled(
        inputs.capacity,
        inputs.staff,
        inputs.committed_demands,
        inputs.tentative_demands,
        samples=max(int(policy.samples), MIN_SAMPLES),
        seed=int(policy.seed),
        week_label=inputs.label,
        progress=progress,
    )
    previous = ForecastRun.objects.order_by("-created_at", "-id").first()
    before = {r.entry_id: r.p50_date for r in previous.results.all()} if previous is not None else {}
    meta = {
        "role_names": inputs.staff.role_names,
        "region_names": inputs.staff.region_names,
        "skill_names": inputs.staff.skill_names,
        "tentative_ids": [e.pk for e in inputs.tentative],
        "tentative_close": [e.expected_close.isoformat() if e.expected_close else None for e in inputs.tentative],
        "consultant_names": [c.name for c in inputs.consultants],
    }
    names = {i: (c.pk, c.name) for i, c in enumerate(inputs.consultants)}
    with transaction.atomic():
        run = ForecastRun.objects.create(
            week0=inputs.week0,
            horizon_weeks=inputs.weeks,
            samples=sampled.samples,
            seed=sampled.seed,
            meta=meta,
            blob=_pack(sampled, inputs),
        )
        rows = []
        pos = 0
        for e, p in zip(inputs.committed, sampled.committed, strict=True):
            pos += 1
            start, binding, people = p.start, p.binding, [list(names[c]) for c in p.consultants]
            if e.pk in inputs.staffed:
                first, booked = inputs.staffed[e.pk]
                people = [[cid, name] for cid, name in booked] + people
                if not inputs.committed_demands[pos - 1].lines:  # fully staffed by hand
                    start, binding = first, f"staffed with hard allocations from {inputs.label(first)}"
                elif start is not None:
                    start = min(start, first)
            d = inputs.week0 + timedelta(weeks=start) if start is not None else None
            rows.append(
                ForecastResult(
                    run=run,
                    entry=e,
                    position=pos,
                    p50_week=start,
                    p80_week=start,
                    p50_date=d,
                    p80_date=d,
                    binding=binding,
                    consultants=people,
                )
            )
        for j, e in enumerate(inputs.tentative):
            pos += 1
            p50, p80, _n = sampled.tentative_percentiles(j)
            p50 = None if p50 is None or p50 >= inputs.weeks else p50
            p80 = None if p80 is None or p80 >= inputs.weeks else p80
            binding = sampled.tent_binding[j] or f"closed in none of the {sampled.samples} samples"
            rows.append(
                ForecastResult(
                    run=run,
                    entry=e,
                    position=pos,
                    p50_week=p50,
                    p80_week=p80,
                    p50_date=inputs.week0 + timedelta(weeks=p50) if p50 is not None else None,
                    p80_date=inputs.week0 + timedelta(weeks=p80) if p80 is not None else None,
                    binding=binding,
                    consultants=[list(names[c]) for c in sampled.tent_consultants[j]],
                )
            )
        ForecastResult.objects.bulk_create(rows)
        LeadTime.objects.bulk_create(_lead_times(run, inputs, sampled))
        run.duration_ms = int((time.perf_counter() - t0) * 1000)
        run.save(update_fields=["duration_ms"])
        for r in rows:
            old = before.get(r.entry_id)
            if old and r.p50_date and (r.p50_date - old).days > policy.slip_notify_days:
                _notify(
                    event="forecast.slipped",
                    target=r.entry,
                    context={
                        "title": r.entry.title,
                        "from": old.isoformat(),
                        "to": r.p50_date.isoformat(),
                        "days": (r.p50_date - old).days,
                        "binding": r.binding,
                    },
                )
        audit_record(verb="scheduling.forecast_run", target=run, after={"entries": len(rows), "ms": run.duration_ms})
        # keep the last few runs (slip detection needs the previous one); the blobs are large
        stale = list(ForecastRun.objects.order_by("-created_at", "-id").values_list("id", flat=True)[KEEP_RUNS:])
        if stale:
            ForecastRun.objects.filter(id__in=stale).delete()
    _MEMO.clear()
    return run


def _lead_times(run: ForecastRun, inputs: Inputs, sampled: fc.Sampled) -> list[LeadTime]:
    """Median and P80 weeks from closed won to forecast start, per service type (committed work)."""
    by_type: dict[str, list[int]] = {}
    for e, p in zip(inputs.committed, sampled.committed, strict=True):
        if p.start is None or e.closed_won_at is None:
            continue
        won = fc.monday_of(e.closed_won_at.date())
        start = inputs.week0 + timedelta(weeks=p.start)
        by_type.setdefault(e.service_type, []).append(max(0, (start - won).days // 7))
    out = []
    for st in ServiceType.values:
        vals = by_type.get(st, [])
        out.append(
            LeadTime(
                run=run,
                service_type=st,
                projects=len(vals),
                median_weeks=Decimal(str(float(np.median(vals)))).quantize(Decimal("0.1")) if vals else None,
                p80_weeks=Decimal(fc.nearest_rank(vals, 0.8)) if vals else None,
            )
        )
    return out


# --- cached run for what-ifs ---------------------------------------------------------------------

_MEMO: dict[int, tuple[fc.Sampled, fc.StaffArrays, dict[str, Any]]] = {}


def run_load(run: ForecastRun) -> tuple[fc.Sampled, fc.StaffArrays, dict[str, Any]]:
    """The run's samples and staff arrays (unpacked once per process)."""
    if run.pk not in _MEMO:
        data = np.load(io.BytesIO(bytes(run.blob)))
        meta = run.meta if isinstance(run.meta, dict) else json.loads(run.meta)
        staff = fc.StaffArrays(
            data["keys"],
            data["roles"],
            data["regions"],
            data["cleared"],
            data["levels"],
            meta["role_names"],
            meta["region_names"],
            meta["skill_names"],
            data["pace"],
        )
        expanded = (
            data["x_tentative"].astype(np.int64),
            data["x_sample"].astype(np.int64),
            data["x_consultant"].astype(np.int64),
            data["x_week"].astype(np.int64),
            data["x_hours"],
        )
        sampled = fc.Sampled(
            [],
            data["base_free"],
            data["tent_start"],
            [],
            [],
            np.zeros((0, 6)),
            run.samples,
            run.seed,
            run.horizon_weeks,
            {"capacity": data["capacity"], "expanded": expanded},
        )
        _MEMO.clear()
        _MEMO[run.pk] = (sampled, staff, meta)
    return _MEMO[run.pk]


def latest_run() -> ForecastRun:
    run = ForecastRun.objects.order_by("-created_at", "-id").first()
    if run is None:
        raise NotFound("No forecast has run yet: run `manage.py forecast` or wait for the worker.", code="no_forecast")
    return run


@dataclass
class WhatIf:
    p50_date: date | None
    p80_date: date | None
    p50_weeks: int | None
    p80_weeks: int | None
    binding: str
    ahead_tentative: int
    samples: int
    run_at: datetime


def whatif(
    *,
    role_hours: Sequence[LineIn],
    requires_clearance: bool = False,
    regions: Iterable[str] = (),
    expected_close: date | None = None,
    desired_start: date | None = None,
) -> WhatIf:
    """Lead time of a hypothetical project placed behind all committed work and the pipeline deals
    expected to close before it, answered from the latest run's samples. Writes nothing."""
    policy = policy_get()
    lines = lines_validate(role_hours, policy=policy)
    region_list = _regions_validate(regions)
    run = latest_run()
    sampled, staff, meta = run_load(run)
    close = expected_close or (clock.today() + timedelta(days=policy.whatif_close_in_days))
    ahead = sum(1 for c in meta["tentative_close"] if c is not None and c <= close.isoformat())
    demand = demand_of(
        lines_as_rows(lines),
        key=-1,
        week0=run.week0,
        desired_start=desired_start,
        cleared=requires_clearance,
        regions=[r for r in region_list.split(",") if r],
    )

    def label(w: int) -> str:
        return (run.week0 + timedelta(weeks=w)).isoformat()

    p50, p80, _, binding = fc.whatif_from_samples(sampled, staff, demand, ahead=ahead, week_label=label)
    weeks = run.horizon_weeks

    def to_date(w: int | None) -> date | None:
        return run.week0 + timedelta(weeks=w) if w is not None and w < weeks else None

    return WhatIf(
        to_date(p50),
        to_date(p80),
        p50 if p50 is not None and p50 < weeks else None,
        p80 if p80 is not None and p80 < weeks else None,
        binding,
        ahead,
        run.samples,
        run.created_at,
    )


def lines_as_rows(lines: Sequence[LineIn]) -> list[Any]:
    return [
        DemandLine(
            role=ln.role, hours=Decimal(str(ln.hours)), weekly_hours=Decimal(str(ln.weekly_hours)), skills=ln.skills
        )
        for ln in lines
    ]
