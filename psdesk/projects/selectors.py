"""Reads on delivery projects: the policy, lists, detail, the welcome email as it would be sent, the
welcome SLA, and the on-time dashboard."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.template import Context, Engine

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem, hours_left_text
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core import clock
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.crm.models import Opportunity
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import EN_DASH, engagement_title_short
from psdesk.notifications.emails import email_render
from psdesk.notifications.links import site_url
from psdesk.projects.choices import OPEN_PROJECT_STATES, ContactRole, ProjectKind, ProjectStatus
from psdesk.projects.defaults import CUSTOMER_ROLES, DEFAULT_SUBJECTS, NEXT_STEPS, brand_of
from psdesk.projects.models import Project, ProjectsPolicy, WelcomeTemplate
from psdesk.scoping.models import ScopingRequest, ServiceType
from psdesk.sla.choices import TimerOutcome
from psdesk.sla.models import SlaTimer
from psdesk.sla.selectors import TimerView, timer_badges, timers_for_target

_ENGINE = Engine(autoescape=False)


def policy_get() -> ProjectsPolicy:
    """The single policy row (created with the defaults if an admin deleted it)."""
    policy = ProjectsPolicy.objects.first()
    return policy if policy is not None else ProjectsPolicy.objects.create()


def email_is_valid(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True


def project_list(*, user: Actor, status: str = "", mine: bool = False) -> Any:
    qs = Project.objects.visible_to(user).select_related("account", "coordinator", "opportunity")
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(coordinator=user)
    return qs


def project_get(*, user: Actor, project_id: int) -> Project:
    project = (
        Project.objects.visible_to(user)
        .select_related("account", "coordinator", "opportunity", "calendar")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound(f"project {project_id} not found")
    return project


def welcome_timer(project: Project) -> TimerView | None:
    """The welcome-email SLA timer of the project (running or finished), with business time left."""
    key = (ProjectsPolicy.objects.values_list("welcome_policy_key", flat=True).first()) or "welcome_email"
    for view in timers_for_target(project, include_stopped=True):
        if view.policy_key == key:
            return view
    return None


@dataclass
class OnTimeRow:
    label: str
    met: int
    missed: int

    @property
    def total(self) -> int:
        return self.met + self.missed

    @property
    def percent(self) -> float | None:
        return round(100 * self.met / self.total, 1) if self.total else None


def welcome_on_time(*, user: Actor) -> tuple[list[OnTimeRow], list[OnTimeRow]]:
    """On-time percentage of welcome emails per booking month and per coordinator (finished timers)."""
    key = (ProjectsPolicy.objects.values_list("welcome_policy_key", flat=True).first()) or "welcome_email"
    ct = ContentType.objects.get_for_model(Project)
    timers = SlaTimer.objects.filter(
        policy__key=key, target_type=ct, outcome__in=[TimerOutcome.MET, TimerOutcome.MISSED]
    ).values_list("target_id", "started_at", "outcome")
    coordinators = dict(Project.objects.visible_to(user).values_list("pk", "coordinator__username"))
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    people: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for target_id, started_at, outcome in timers:
        if target_id not in coordinators:
            continue
        i = 0 if outcome == TimerOutcome.MET else 1
        months[started_at.strftime("%Y-%m")][i] += 1
        people[coordinators[target_id] or "unassigned"][i] += 1
    return (
        [OnTimeRow(k, *v) for k, v in sorted(months.items())],
        [OnTimeRow(k, *v) for k, v in sorted(people.items())],
    )


def backlog_suggested(project: Project, *, now: Any = None) -> bool:
    """Still In Set Up longer than the policy's days after booking: the customer is not ready, so
    the coordinator should consider Backlog (docs/process.md, Projects and the welcome email)."""
    if project.status != ProjectStatus.IN_SET_UP or project.booked_at is None:
        return False
    days = ProjectsPolicy.objects.values_list("backlog_after_days", flat=True).first() or 30
    return (now or clock.now()) - project.booked_at > timedelta(days=days)


@dataclass
class WelcomeDraft:
    to: list[str]
    cc: list[str]
    subject: str
    body: str
    html: str = ""


def _template(kind: str) -> tuple[str, str]:
    """The admin's (subject, text body) for `kind`, or the default subject and "" (the body then
    comes from the email templates)."""
    row = WelcomeTemplate.objects.filter(kind=kind).first()
    if row is not None:
        return row.subject, row.body
    return DEFAULT_SUBJECTS[kind], ""


def welcome_team(project: Project) -> list[dict[str, str]]:
    """Who the customer works with, in the order they meet them: the Project Coordinator, the
    Engagement Manager, then the account team (opportunity owner first)."""
    team: list[tuple[str, Any]] = [("Project Coordinator", project.coordinator)]
    engagement = project.engagement
    if engagement is not None:
        team.append(("Engagement Manager", engagement.em))
    opp = project.opportunity
    team.append(("Account Executive", opp.owner))
    team += [("Account team", u) for u in opp.account_team.all().order_by("username")]
    seen: set[int] = set()
    out = []
    for role, user in team:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        out.append({"role": role, "name": user.get_full_name() or user.get_username(), "email": user.email})
    return out


def welcome_render(*, project: Project) -> WelcomeDraft:
    """The email as it would be sent: to the customer contacts, CC the account team and PS leaders;
    a plain-text body and its HTML alternative (`notifications/email/welcome.*`), branded with the
    vendor's name (the SOW policy's), listing the team and the next steps, and linking the CC'd
    colleagues to the project page. Raises ValidationFailed naming what is missing. Writes nothing."""
    contacts = list(project.contacts.all())
    if not contacts:
        raise ValidationFailed(
            "No customer contact on this project: add at least one (GitLab Champion, administrator or "
            "technical point of contact), or ask the account team for them.",
            details={"missing": "contacts"},
        )
    bad = [c.email for c in contacts if not email_is_valid(c.email)]
    if bad:
        raise ValidationFailed(f"Invalid email address: {', '.join(bad)}.", details={"invalid": bad})
    opp = project.opportunity
    team = list(opp.account_team.all()) if hasattr(opp, "account_team") else []
    if opp.owner is not None:
        team.append(opp.owner)
    leaders = list(User.objects.filter(groups__name="ps_leadership", is_active=True))
    cc = sorted({u.email.lower() for u in [*team, *leaders] if u.email} - {c.email for c in contacts})
    present = {c.role for c in contacts}
    subject_src, body_src = _template(project.kind)
    profile = vendor_profile_get()
    vendor = profile.legal_name
    brand = profile.brand_name or brand_of(vendor)
    values: dict[str, Any] = {
        "project": project,
        "account": project.account,
        "coordinator": project.coordinator,
        "contacts": contacts,
        "roles_needed": [label for value, label in ContactRole.choices if value not in present],
        "vendor": vendor,
        "brand": brand,
        "team": welcome_team(project),
        "next_steps": NEXT_STEPS[project.kind],
        "customer_roles": [r.format(brand=brand) for r in CUSTOMER_ROLES[project.kind]],
        "training": project.kind == ProjectKind.TRAINING,
        "project_url": site_url(project.get_absolute_url()),
    }
    ctx = Context(values)
    custom = _ENGINE.from_string(body_src).render(ctx).strip() if body_src else ""
    email = email_render(
        name="welcome",
        subject=_ENGINE.from_string(subject_src).render(ctx).strip(),
        context={**values, "custom_body": custom},
    )
    return WelcomeDraft(to=[c.email for c in contacts], cc=cc, subject=email.subject, body=email.text, html=email.html)


# --- My work provider (registered from ProjectsConfig.ready) -----------------------------------


def my_work_welcome_emails_due(user: Actor) -> WorkGroup | None:
    """Project Coordinator (and PS Ops as backup): booked projects they coordinate (or nobody does
    yet) whose welcome email has not left, with the business time left on the welcome SLA, soonest
    deadline first (three queries, plus one per delivery calendar)."""
    if not user.has_perm("projects.manage_project"):
        return None
    qs = Project.objects.visible_to(user).filter(
        Q(coordinator=user) | Q(coordinator__isnull=True),
        status__in=OPEN_PROJECT_STATES,
        booked_at__isnull=False,
        welcome_sent_at__isnull=True,
    )
    projects = list(qs.select_related("account").order_by("booked_at", "id")[:ITEMS_PER_GROUP])
    badges = timer_badges(Project, [p.pk for p in projects])
    rows = []
    for p in projects:
        badge = badges.get(p.pk)
        item = WorkItem(
            title=p.name,
            url=p.get_absolute_url(),
            since=p.booked_at or p.created_at,
            note=hours_left_text(badge.time_left) if badge else "no welcome SLA running",
            urgent=bool(badge and badge.status != "ok"),
        )
        rows.append((badge.time_left if badge else timedelta.max, item))
    items = [item for _, item in sorted(rows, key=lambda r: r[0])]
    return WorkGroup(
        key="welcome_emails_due",
        title="Welcome emails due",
        count=qs.count(),
        items=items,
        empty_text="Every booked project has had its welcome email.",
    )


def project_name_for(*, opportunity: Opportunity, engagement: Engagement | None) -> str:
    """`<Account> (en dash) <engagement title without " - Scope Issue and Write SOW">`. When the title says
    nothing beyond the account, the calculator's service types name the work; a project without an
    engagement (standard SKUs) takes the opportunity's name after the account."""
    account = opportunity.account.name
    rest = ""
    if engagement is not None:
        rest = engagement_title_short(title=engagement.title, account_name=account)
        if not rest:
            req = ScopingRequest.objects.filter(engagement=engagement).only("service_types").first()
            keys = list(req.service_types) if req is not None else []
            names = dict(ServiceType.objects.filter(key__in=keys).values_list("key", "name"))
            rest = ", ".join(names[k] for k in keys if k in names)
    if not rest:
        rest = engagement_title_short(title=opportunity.name, account_name=account)
    return (f"{account} {EN_DASH} {rest}" if rest else account)[:255]
