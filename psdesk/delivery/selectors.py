"""Reads of the delivery app: a project's milestones and budget, the acceptance link a token names,
the close-out state, change orders, and the My work groups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from psdesk.accounts.my_work import ITEMS_PER_GROUP, WorkGroup, WorkItem
from psdesk.approvals.models import ApprovalRequest
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core import clock
from psdesk.core.errors import NotFound
from psdesk.core.types import Actor
from psdesk.delivery.choices import ChangeOrderStatus, CloseOutKey, MilestoneStatus
from psdesk.delivery.links import acceptance_token_parse
from psdesk.delivery.models import AcceptanceLink, ChangeOrder, CloseOutItem, DeliveryPolicy, Milestone
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.selectors import agreed_version
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project

ZERO = Decimal("0.00")


def policy_get() -> DeliveryPolicy:
    """The delivery policy row (created with the defaults when missing)."""
    policy = DeliveryPolicy.objects.order_by("id").first()
    return policy if policy is not None else DeliveryPolicy.objects.create()


def project_get(*, user: Actor, project_id: int) -> Project:
    """A project the user may see (PubSec: 404 for non-members). Raises NotFound."""
    project = (
        Project.objects.visible_to(user)
        .select_related("account", "engagement", "engagement__em", "opportunity")
        .filter(pk=project_id)
        .first()
    )
    if project is None:
        raise NotFound(f"project {project_id} not found")
    return project


def milestone_list(*, project: Project) -> list[Milestone]:
    return list(
        Milestone.objects.filter(project=project)
        .select_related("billable_event", "change_order")
        .prefetch_related("activities", "nonconformities")
        .order_by("position")
    )


def milestone_get(*, user: Actor, milestone_id: int) -> Milestone:
    m = (
        Milestone.objects.visible_to(user)
        .select_related("project", "project__account", "project__engagement")
        .filter(pk=milestone_id)
        .first()
    )
    if m is None:
        raise NotFound(f"milestone {milestone_id} not found")
    return m


def acceptance_link_resolve(token: str) -> AcceptanceLink:
    """The live link a token names. Forged, unknown, expired, revoked or used → NotFound, no detail."""
    parsed = acceptance_token_parse(token)
    if parsed is None:
        raise NotFound("This link is not valid.")
    link = (
        AcceptanceLink.objects.select_related("milestone", "milestone__project", "milestone__project__account")
        .filter(pk=parsed[0], nonce=parsed[1])
        .first()
    )
    if link is None or link.revoked_at is not None or link.used_at is not None or link.expires_at <= clock.now():
        raise NotFound("This link is not valid.")
    return link


# --- budget --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectBudget:
    """What the customer bought: the agreed estimate plus every executed change order."""

    hours: Decimal
    fee: Decimal
    cost: Decimal
    currency: str
    agreed_version: int | None
    change_orders: tuple[str, ...]

    @property
    def margin(self) -> Decimal | None:
        return None if not self.fee else ((self.fee - self.cost) / self.fee).quantize(Decimal("0.0001"))


def project_budget(project: Project) -> ProjectBudget:
    """The project's budget in hours and fee (and cost at standard cost rates): the version the
    customer agreed to — the base of the first executed change order when there is one — plus the
    deltas of its executed change orders. Without an agreed estimate (standard SKUs): the project's
    budget amount and no hours. Two queries."""
    executed = list(
        ChangeOrder.objects.filter(project=project, status=ChangeOrderStatus.EXECUTED)
        .select_related("base_version")
        .order_by("number")
    )
    base: EstimateVersion | None
    if executed:
        base = executed[0].base_version
    else:
        base = agreed_version(project.engagement) if project.engagement_id else None
    if base is None:
        return ProjectBudget(
            hours=ZERO, fee=project.budget, cost=ZERO, currency=project.currency, agreed_version=None, change_orders=()
        )
    hours, fee, cost = base.hours, base.price, base.cost
    for co in executed:
        hours += co.hours_delta
        fee += co.fee_delta
        cost += co.cost_delta
    return ProjectBudget(
        hours=hours,
        fee=fee,
        cost=cost,
        currency=base.currency,
        agreed_version=base.number,
        change_orders=tuple(co.code for co in executed),
    )


# --- close-out -----------------------------------------------------------------------------------

CloseOutCheck = Callable[[Project], "str | None"]
CLOSE_OUT_CHECKS: list[CloseOutCheck] = []


def close_out_checks() -> list[CloseOutCheck]:
    return list(CLOSE_OUT_CHECKS)


def milestones_accepted_refusal(project: Project) -> str | None:
    """Every milestone of the project is accepted (explicitly or passively)."""
    open_ = list(
        Milestone.objects.filter(project=project)
        .exclude(status=MilestoneStatus.ACCEPTED)
        .values_list("name", flat=True)
    )
    if open_:
        return "Milestones not accepted yet: " + "; ".join(open_[:5]) + "."
    return None


def close_out_refusal(project: Any, ctx: Any) -> str | None:
    """The guard on the project's Close move: all milestones accepted and every registered check
    (e.g. all time approved) passes."""
    for check in [milestones_accepted_refusal, *CLOSE_OUT_CHECKS]:
        reason = check(project)
        if reason:
            return reason
    return None


def close_out_items(project: Project) -> list[CloseOutItem]:
    """The close-out checklist, every key in order (items not ticked yet are unsaved rows)."""
    saved = {i.key: i for i in CloseOutItem.objects.filter(project=project).select_related("done_by")}
    return [saved.get(k) or CloseOutItem(project=project, key=k) for k in CloseOutKey.values]


def close_out_checklist_refusal(project: Any, ctx: Any) -> str | None:
    """The guard on the project's Complete move: the close-out checklist is done."""
    missing = [str(i.get_key_display()) for i in close_out_items(project) if not i.done]
    if missing:
        return "Finish the close-out checklist first: " + "; ".join(missing) + "."
    return None


# --- change orders -------------------------------------------------------------------------------


def change_order_list(*, project: Project) -> list[ChangeOrder]:
    return list(ChangeOrder.objects.filter(project=project).select_related("estimate_version", "base_version"))


def change_order_candidates(*, project: Project) -> list[EstimateVersion]:
    """Estimate versions of the project's engagement newer than the version in force (the base of a
    new change order), newest first."""
    executed = (
        ChangeOrder.objects.filter(project=project, status=ChangeOrderStatus.EXECUTED)
        .select_related("estimate_version")
        .order_by("-number")
        .first()
    )
    base = (
        executed.estimate_version
        if executed
        else (agreed_version(project.engagement) if project.engagement_id else None)
    )
    if base is None:
        return []
    return list(
        EstimateVersion.objects.filter(engagement_id=base.engagement_id, number__gt=base.number).order_by("-number")
    )


def change_order_get(*, user: Actor, change_order_id: int) -> ChangeOrder:
    co = (
        ChangeOrder.objects.visible_to(user)
        .select_related("project", "project__account", "project__engagement", "estimate_version", "base_version")
        .filter(pk=change_order_id)
        .first()
    )
    if co is None:
        raise NotFound(f"change order {change_order_id} not found")
    return co


def delivery_project_list(*, user: Actor, limit: int = 200) -> list[Project]:
    """Projects past set-up (Okay to Start and later) the user may see, with milestone counts."""
    return list(
        Project.objects.visible_to(user)
        .filter(
            status__in=[
                ProjectStatus.OKAY_TO_START,
                ProjectStatus.ACTIVE,
                ProjectStatus.CLOSED,
                ProjectStatus.COMPLETED,
            ]
        )
        .select_related("account")
        .annotate(
            n_milestones=Count("milestones", distinct=True),
            n_accepted=Count("milestones", filter=Q(milestones__status=MilestoneStatus.ACCEPTED), distinct=True),
            billed=Sum("milestones__billable_event__amount"),
        )
        .order_by("-booked_at", "-id")[:limit]
    )


# --- My work -------------------------------------------------------------------------------------


def my_work_milestones(user: Actor) -> WorkGroup | None:
    """Project managers: milestones of Active projects still in progress (to complete), and those
    waiting on the customer."""
    if not user.has_perm("delivery.complete_milestone"):
        return None
    qs = (
        Milestone.objects.visible_to(user)
        .filter(project__status=ProjectStatus.ACTIVE)
        .exclude(status=MilestoneStatus.ACCEPTED)
        .select_related("project")
        .order_by("project_id", "position")
    )
    items = [
        WorkItem(
            title=f"{m.project.name}: {m}",
            url=m.get_absolute_url(),
            since=m.completed_at or m.created_at,
            note=str(m.get_status_display()),
        )
        for m in qs[:ITEMS_PER_GROUP]
    ]
    return WorkGroup(
        key="delivery_milestones",
        title="Milestones to deliver",
        items=items,
        count=qs.count(),
        more_url="/delivery/",
    )


def my_work_change_orders_to_approve(user: Actor) -> WorkGroup | None:
    """PS Leadership and Revenue: change orders in approval with a request of their kind pending."""
    kinds = [k for k in ("ps_leadership", "revenue") if user.has_perm(f"approvals.decide_{k}")]
    if not kinds:
        return None
    pending = ApprovalRequest.objects.filter(
        kind__in=kinds, status="pending", target_type__app_label="delivery", target_type__model="changeorder"
    ).values_list("target_id", flat=True)
    qs = (
        ChangeOrder.objects.visible_to(user)
        .filter(status=ChangeOrderStatus.IN_APPROVAL, pk__in=pending)
        .select_related("project")
        .order_by("created_at")
    )
    items = [
        WorkItem(
            title=f"{co.code}: {co.project.name}",
            url=co.get_absolute_url(),
            since=co.created_at,
            note=f"{co.hours_delta:+} h, {co.currency} {co.fee_delta:+,.2f}",
        )
        for co in qs[:ITEMS_PER_GROUP]
    ]
    return WorkGroup(key="delivery_change_orders", title="Change orders to approve", items=items, count=qs.count())


def my_work_change_orders_to_countersign(user: Actor) -> WorkGroup | None:
    """The vendor signatory (vendor profile; any countersigner when none is named): change orders the
    customer signed that wait for the countersignature, oldest first (two queries)."""
    if not user.has_perm("sows.countersign_sow"):
        return None
    signatory = vendor_profile_get().signatory_email.strip().lower()
    if signatory and (user.email or "").strip().lower() != signatory:
        return None
    qs = (
        ChangeOrder.objects.visible_to(user)
        .filter(status=ChangeOrderStatus.CUSTOMER_SIGNED)
        .select_related("project")
        .order_by("created_at", "id")
    )
    items = [
        WorkItem(
            title=f"{co.code}: {co.project.name}",
            url=co.get_absolute_url(),
            since=co.created_at,
            note=f"signed by {co.signer_name}; {co.hours_delta:+} h, {co.currency} {co.fee_delta:+,.2f}",
        )
        for co in qs[:ITEMS_PER_GROUP]
    ]
    return WorkGroup(
        key="delivery_change_orders_to_countersign",
        title="Change orders to countersign",
        items=items,
        count=qs.count(),
        empty_text="No customer-signed change order waits for the countersignature.",
    )
