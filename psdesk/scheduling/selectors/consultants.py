"""Reads of the resource directory: consultants with filters, one consultant, the skill matrix,
time off waiting on the coordinator, and the two seams other apps use (`consultant_for_user`,
`consultant_cost_rate`).

Who sees what: the directory is visible to every role with `scheduling.view_consultant`.
Clearance and citizenship are personal data needed only to staff US Public Sector work, so they are
shown only to roles with `scheduling.view_clearance` (Project Coordinator, PS Ops, RDM) and to the
consultant themself; cost rates only to roles with `scheduling.view_cost_rate` and the consultant.
Filtering by clearance is refused (403) to everyone else, so a filter cannot reveal what a field hides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem
from psdesk.catalog.models import StandardCostRate
from psdesk.catalog.selectors import cost_rate_info_get
from psdesk.core import clock
from psdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from psdesk.core.money import Money
from psdesk.core.types import Actor, AnyUser
from psdesk.scheduling.choices import TimeOffStatus
from psdesk.scheduling.models import Consultant, ConsultantCostRate, ConsultantSkill, Skill, TimeOff


def clearance_visible(*, user: AnyUser, consultant: Consultant | None = None) -> bool:
    """May `user` see clearance and citizenship (of `consultant`, or of everyone when None)?"""
    if user.has_perm("scheduling.view_clearance"):
        return True
    return consultant is not None and consultant.user_id is not None and consultant.user_id == user.pk


def cost_rate_visible(*, user: AnyUser, consultant: Consultant | None = None) -> bool:
    """May `user` see cost rates (of `consultant`, or of everyone when None)?"""
    if user.has_perm("scheduling.view_cost_rate"):
        return True
    return consultant is not None and consultant.user_id is not None and consultant.user_id == user.pk


def _with_details(qs: QuerySet[Consultant]) -> QuerySet[Consultant]:
    return qs.select_related("user").prefetch_related(
        Prefetch("skills", queryset=ConsultantSkill.objects.select_related("skill").order_by("skill__name")),
        "cost_rates",
    )


def consultant_list(
    *,
    user: AnyUser,
    role: str = "",
    region: str = "",
    skill: str = "",
    min_level: int = 1,
    cleared: bool | None = None,
    active: bool | None = True,
    q: str = "",
) -> QuerySet[Consultant]:
    """Consultants matching the filters, by name, with skills and cost rates prefetched (a constant
    number of queries). `skill` with `min_level` keeps those holding it at that level or above.
    Raises PermissionDenied when `cleared` is given by a role that may not see clearance."""
    if cleared is not None and not clearance_visible(user=user):
        raise PermissionDenied("Your role may not filter consultants by clearance.")
    qs = Consultant.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    if role:
        qs = qs.filter(role=role)
    if region:
        qs = qs.filter(region=region)
    if skill:
        qs = qs.filter(skills__skill__name=skill, skills__level__gte=max(1, min(5, min_level)))
    if cleared is True:
        qs = qs.filter(us_citizen=True, cleared=True)
    elif cleared is False:
        qs = qs.exclude(us_citizen=True, cleared=True)
    if q:
        qs = qs.filter(name__icontains=q)
    return _with_details(qs.order_by("name", "id"))


def consultant_get(*, consultant_id: int) -> Consultant:
    """One consultant (active or not) with skills and cost rates. Raises NotFound."""
    c = _with_details(Consultant.objects.filter(pk=consultant_id)).first()
    if c is None:
        raise NotFound("Consultant not found.", code="consultant_not_found")
    return c


def consultant_for_user(user: AnyUser | None) -> Consultant | None:
    """The active consultant linked to `user` (the person signed in), or None."""
    if user is None or not user.is_authenticated:
        return None
    return Consultant.objects.filter(user_id=user.pk, active=True).first()


def consultant_cost_rate(consultant: Consultant, on: date | None = None) -> Money | None:
    """The hourly cost rate of `consultant` on `on` (default today): the consultant's own rate in
    force that day (the latest `ConsultantCostRate` from on or before it), else the standard cost
    rate of their role in the catalog for that quarter, else None (no rate is known)."""
    day = on or clock.today()
    own = ConsultantCostRate.objects.filter(consultant=consultant, effective_from__lte=day).order_by("-effective_from")
    row = own.first()
    if row is not None:
        return Money.of(row.rate, row.currency)
    if not StandardCostRate.objects.filter(role=consultant.role).exists():
        return None
    try:
        info = cost_rate_info_get(role=consultant.role, on=day)
    except ValidationFailed:  # rates exist only for later quarters
        return None
    return Money.of(info.rate, info.currency)


def current_cost_rate_row(consultant: Consultant) -> ConsultantCostRate | None:
    """The consultant's own rate in force today, from the prefetched rows (no query)."""
    today = clock.today()
    rows = [r for r in consultant.cost_rates.all() if r.effective_from <= today]
    return max(rows, key=lambda r: r.effective_from) if rows else None


@dataclass(frozen=True)
class SkillMatrix:
    """Consultants (rows) by skills (columns): `levels[i][j]` is consultant i's level in skill j or None."""

    skills: list[Skill]
    consultants: list[Consultant]
    levels: list[list[int | None]]


def skill_matrix_get(*, role: str = "", region: str = "", active: bool = True) -> SkillMatrix:
    """The skill matrix of the (active) consultants, in three queries."""
    skills = list(Skill.objects.order_by("name"))
    qs = Consultant.objects.filter(active=active) if active else Consultant.objects.all()
    if role:
        qs = qs.filter(role=role)
    if region:
        qs = qs.filter(region=region)
    consultants = list(qs.prefetch_related("skills").order_by("name", "id"))
    col = {s.pk: j for j, s in enumerate(skills)}
    levels: list[list[int | None]] = []
    for c in consultants:
        row: list[int | None] = [None] * len(skills)
        for cs in c.skills.all():
            row[col[cs.skill_id]] = cs.level
        levels.append(row)
    return SkillMatrix(skills, consultants, levels)


def time_off_requests_list(*, status: str = TimeOffStatus.REQUESTED) -> QuerySet[TimeOff]:
    """Time off in `status`, oldest request first, with the consultant."""
    return TimeOff.objects.filter(status=status).select_related("consultant").order_by("requested_at", "id")


def time_off_of(*, consultant: Consultant) -> QuerySet[TimeOff]:
    """A consultant's time off, latest first."""
    return consultant.time_off.select_related("decided_by").order_by("-starts_on", "-id")


def time_off_get(*, time_off_id: int) -> TimeOff:
    t = TimeOff.objects.select_related("consultant", "consultant__user").filter(pk=time_off_id).first()
    if t is None:
        raise NotFound("Time off not found.", code="time_off_not_found")
    return t


def my_work_time_off_to_decide(user: Actor) -> WorkGroup | None:
    """Project Coordinator: consultants' time-off requests waiting for a decision, oldest first
    (two queries)."""
    if not user.has_perm("scheduling.decide_timeoff"):
        return None
    qs = time_off_requests_list()
    more = reverse("scheduling:time_off_requests")
    items = [
        WorkItem(
            title=f"{t.consultant.name}: {_days_text(t)}",
            url=f"{more}#time-off-{t.pk}",
            since=t.requested_at,
            note=t.reason,
        )
        for t in qs[:ITEMS_PER_GROUP]
    ]
    return WorkGroup(
        key="time_off_to_decide",
        title="Time off to approve",
        count=qs.count(),
        items=items,
        more_url=more,
        empty_text="No time off waiting.",
    )


def _days_text(t: TimeOff) -> str:
    if t.starts_on == t.ends_on:
        return f"{t.starts_on:%a %d %b %Y}"
    return f"{t.starts_on:%d %b} to {t.ends_on:%d %b %Y}"
