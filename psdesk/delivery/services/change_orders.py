"""Change orders on an Active project: the EM creates one from a newer estimate version of the
project's engagement; PS Desk computes the delta against the version in force (the agreed one, or
the last executed change order's), renders the document (DOCX + PDF, the SOW document standard),
asks PS Leadership (always) and Revenue (when the fee changes) to approve its content hash, sends it
for the customer's e-signature (psdesk.delivery.services.change_order_esign) and, once the vendor
signatory countersigns, executes it: the project's budget and tasks, a
milestone for the changed scope, and the queue's remaining demand follow. A rejected, withdrawn or
expired change changes nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from psdesk.approvals.choices import ApprovalKind, ApprovalStatus
from psdesk.approvals.models import ApprovalDecision, ApprovalRequest
from psdesk.approvals.selectors import approvals_current
from psdesk.approvals.services import approval_decide, approval_request
from psdesk.audit.services import audit_record
from psdesk.audit.transitions import AfterHook, Applied, transition_apply
from psdesk.branding import rendering
from psdesk.branding.selectors import vendor_get
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, TransitionNotAllowed, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.delivery import change_order_document as cod
from psdesk.delivery.choices import CHANGE_ORDER_OPEN, ChangeOrderStatus, MilestoneSource, MilestoneStatus
from psdesk.delivery.models import (
    ChangeOrder,
    Milestone,
    MilestoneActivity,
)
from psdesk.delivery.selectors import policy_get
from psdesk.delivery.workflow import CHANGE, CHANGE_ORDER_WORKFLOW
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.selectors import agreed_version, version_diff
from psdesk.notifications.services import notify
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.models import Project
from psdesk.projects.services import project_scope_change
from psdesk.scheduling.services import queue_demand_change
from psdesk.sows.choices import SowStatus
from psdesk.sows.models import Sow
from psdesk.sows.selectors import policy_get as sow_policy_get

C = ChangeOrderStatus
ZERO = Decimal("0.00")


def required_approvals(co: ChangeOrder) -> list[str]:
    """PS Leadership always; Revenue too when the fee changes."""
    kinds = [ApprovalKind.PS_LEADERSHIP]
    if co.fee_delta != 0:
        kinds.append(ApprovalKind.REVENUE)
    return [str(k) for k in kinds]


def _base_version(project: Project) -> EstimateVersion | None:
    last = (
        ChangeOrder.objects.filter(project=project, status=C.EXECUTED)
        .select_related("estimate_version")
        .order_by("-number")
        .first()
    )
    if last is not None:
        return last.estimate_version
    return agreed_version(project.engagement) if project.engagement_id else None


def _delta_lines(base: EstimateVersion, new: EstimateVersion) -> list[cod.DeltaLine]:
    out = []
    for ch in version_diff(base, new).changes:
        if ch.kind == "same":
            continue
        out.append(
            cod.DeltaLine(
                kind=ch.kind,
                activity=ch.activity,
                role=ch.role,
                hours_before=ch.before.hours if ch.before else ZERO,
                hours_after=ch.after.hours if ch.after else ZERO,
                fee_before=ch.before.price if ch.before else ZERO,
                fee_after=ch.after.price if ch.after else ZERO,
            )
        )
    return out


def _render(content: dict[str, Any]) -> tuple[bytes, bytes]:
    d = cod.document(content, vendor=vendor_get())
    return rendering.render_docx(d), rendering.render_pdf(d)


def change_order_create(*, project_id: int, estimate_version_id: int, reason: str, actor: Actor) -> ChangeOrder:
    """The EM creates a change order on an Active project from a newer estimate version of the same
    engagement: the delta against the version in force (lines, hours, fee, cost, margin), the
    document (content hash, DOCX, PDF), valid for the policy's days.

    Side effects: the ChangeOrder (draft), audited `delivery.change_order_created`. Raises
    PermissionDenied, NotFound (project or version not visible / not of this engagement),
    TransitionNotAllowed (the project is not Active), Conflict (another change order is open),
    ValidationFailed (no reason, the version is not newer, nothing changes, a reduction larger than
    the open milestones)."""
    permission_require(actor, CHANGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the scope changes.", details={"field": "reason"})
    if len(reason) > 5000:
        raise ValidationFailed("The reason is longer than 5,000 characters.", details={"field": "reason"})
    with transaction.atomic():
        project = (
            Project.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("account", "engagement")
            .filter(pk=project_id)
            .first()
        )
        if project is None:
            raise NotFound(f"project {project_id} not found")
        if project.status != ProjectStatus.ACTIVE:
            raise TransitionNotAllowed(
                f"Change orders are made on Active projects; this one is {project.get_status_display()}."
            )
        if ChangeOrder.objects.filter(project=project, status__in=CHANGE_ORDER_OPEN).exists():
            raise Conflict("Another change order of this project is open; finish or withdraw it first.")
        new = (
            EstimateVersion.objects.filter(pk=estimate_version_id, engagement_id=project.engagement_id).first()
            if project.engagement_id is not None
            else None
        )
        if new is None:
            raise NotFound(f"estimate version {estimate_version_id} not found on this project's engagement")
        base = _base_version(project)
        if base is None:
            raise ValidationFailed("The project has no agreed estimate to change.")
        if new.number <= base.number:
            raise ValidationFailed(
                f"Choose a version newer than v{base.number}, the one in force.",
                details={"field": "estimate_version_id"},
            )
        lines = _delta_lines(base, new)
        if not lines:
            raise ValidationFailed(f"v{new.number} changes nothing against v{base.number}.")
        fee_delta = new.price - base.price
        if fee_delta < 0:
            open_fee = sum(
                (m.fee for m in Milestone.objects.filter(project=project, status=MilestoneStatus.IN_PROGRESS)), ZERO
            )
            if open_fee + fee_delta < 0:
                raise ValidationFailed("The reduction is larger than the fees of the milestones still in progress.")
        number = (ChangeOrder.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1
        code = f"CO-{project.pk}-{number}"
        sow = Sow.objects.filter(engagement=project.engagement, status=SowStatus.EXECUTED).first()
        sp = sow_policy_get()
        vendor = vendor_get()
        sow_ref = (
            f"Statement of Work {sow.number} (executed {sow.executed_at:%Y-%m-%d})"
            if sow is not None and sow.executed_at
            else "the Statement of Work"
        )
        content = cod.build_content(
            code=code,
            title=project.name,
            date=clock.today().isoformat(),
            customer=project.account.name,
            vendor=vendor.legal_name,
            vendor_signer_title=vendor.signatory_title,
            sow_reference=sow_ref,
            currency=new.currency,
            reason=reason,
            lines=lines,
            hours_before=base.hours,
            fee_before=base.price,
            milestone_name=f"Change order {code}",
            passive_days=sp.passive_acceptance_business_days,
        )
        docx, pdf = _render(content)
        now = clock.now()
        co = ChangeOrder(
            project=project,
            number=number,
            estimate_version=new,
            base_version=base,
            reason=reason,
            delta={"lines": content["lines"]},
            hours_delta=new.hours - base.hours,
            fee_delta=fee_delta,
            cost_delta=new.cost - base.cost,
            margin_before=base.margin,
            margin_after=new.margin,
            currency=new.currency,
            content=content,
            content_hash=cod.content_hash(content),
            pdf_sha256=hashlib.sha256(pdf).hexdigest(),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=policy_get().change_order_valid_days),
        )
        co.docx.save(f"{code}.docx", ContentFile(docx), save=False)
        co.pdf.save(f"{code}.pdf", ContentFile(pdf), save=False)
        co.save()
        audit_record(
            verb="delivery.change_order_created",
            actor=actor,
            target=co,
            after={
                "code": code,
                "estimate_version": new.number,
                "base_version": base.number,
                "hours_delta": co.hours_delta,
                "fee_delta": co.fee_delta,
                "content_hash": co.content_hash,
            },
            reason=reason,
        )
        return co


def change_order_transition(
    *,
    change_order_id: int,
    action: str,
    actor: Actor | None,
    reason: str = "",
    system: bool = False,
    expected_version: int | None = None,
    before_save: Callable[[Any, Any, str, str], dict[str, Any]] | None = None,
    after: Iterable[AfterHook] = (),
) -> Applied:
    """Apply one `CHANGE_ORDER_WORKFLOW` move (audited `change_orders.<action>`). Raises BadRequest,
    NotFound, Conflict, PermissionDenied, TransitionNotAllowed."""
    qs = ChangeOrder.objects.all() if system else ChangeOrder.objects.visible_to(actor)
    return transition_apply(
        workflow=CHANGE_ORDER_WORKFLOW,
        queryset=qs.select_related("project", "project__account", "project__engagement__em"),
        pk=change_order_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        system=system,
        before_save=before_save,
        after=after,
    )


def _expired_refusal(co: ChangeOrder) -> None:
    if co.expires_at <= clock.now():
        raise TransitionNotAllowed(f"{co.code} expired on {co.expires_at:%Y-%m-%d}; create a new change order.")


def change_order_submit(*, change_order_id: int, actor: Actor) -> ChangeOrder:
    """Ask for the approvals on the change order's content hash: PS Leadership always, Revenue when
    the fee changes. Side effects: the `submit` move, the approval requests (deciders notified).
    Raises as `change_order_transition`, TransitionNotAllowed when expired."""
    with transaction.atomic():
        co = _visible(actor, change_order_id)
        _expired_refusal(co)

        def request(applied: Applied, ctx: MoveContext) -> None:
            for kind in required_approvals(co):
                approval_request(
                    kind=kind, target=co, content_hash=co.content_hash, requester=actor, note=f"{co.code}: {co.reason}"
                )

        applied = change_order_transition(change_order_id=co.pk, action="submit", actor=actor, after=[request])
        result: ChangeOrder = applied.obj
        return result


def _visible(actor: Actor | None, change_order_id: int) -> ChangeOrder:
    co = ChangeOrder.objects.visible_to(actor).select_related("project").filter(pk=change_order_id).first()
    if co is None:
        raise NotFound(f"change order {change_order_id} not found")
    return co


def change_order_after_decision(req: ApprovalRequest, decision: ApprovalDecision) -> None:
    """After-decision effect (registered with `approvals.register_after_decision`): a rejection of a
    change order's current hash rejects it; the last required approval on its current hash approves
    it. The change-order row is locked before approvals are counted (two approvers serialise)."""
    if req.target_type.model_class() is not ChangeOrder:
        return
    co = ChangeOrder.objects.select_for_update(of=("self",)).filter(pk=req.target_id).first()
    if co is None or co.status != C.IN_APPROVAL or req.content_hash != co.content_hash:
        return
    if not decision.approve:
        change_order_transition(
            change_order_id=co.pk,
            action="reject",
            actor=None,
            system=True,
            reason=f"{req.get_kind_display()} rejected: {decision.comment or 'no comment'}",
        )
        return
    current = approvals_current(co, co.content_hash)
    if all(k in current for k in required_approvals(co)):
        change_order_transition(
            change_order_id=co.pk, action="approve", actor=None, system=True, reason="every required approval given"
        )


def _execute_effects(actor: Actor) -> AfterHook:
    def effects(applied: Applied, ctx: MoveContext) -> None:
        co: ChangeOrder = applied.obj
        project = co.project
        lines = [cod_line for cod_line in _delta_lines(co.base_version, co.estimate_version)]
        project_scope_change(
            project_id=project.pk,
            budget_delta=co.fee_delta,
            tasks=[(ln.activity, ln.role, ln.hours_delta) for ln in lines],
            source=co.code,
            actor=actor,
        )
        role_hours: dict[str, Decimal] = {}
        for ln in lines:
            role_hours[ln.role] = role_hours.get(ln.role, ZERO) + ln.hours_delta
        if project.engagement is not None:
            queue_demand_change(engagement=project.engagement, role_hours=role_hours, source=co.code, actor=actor)
        milestone = _milestone_follow(co, lines)
        audit_record(
            verb="delivery.change_order_executed",
            actor=actor,
            target=co,
            after={
                "hours_delta": co.hours_delta,
                "fee_delta": co.fee_delta,
                "milestone": str(milestone) if milestone is not None else None,
                "signer": f"{co.signer_name}, {co.signer_title}",
            },
        )
        notify(
            event="change_order.executed",
            target=co,
            actor=actor,
            account=project.account,
            recipients=[u for u in (project.coordinator,) if u is not None],
            context={"project": project.name},
        )

    return effects


def _milestone_follow(co: ChangeOrder, lines: list[cod.DeltaLine]) -> Milestone | None:
    """Added work becomes a new milestone of the changed activities; a reduction lowers the fee
    and hours of the last milestone still in progress."""
    project = co.project
    if co.fee_delta >= 0 and co.hours_delta >= 0:
        position = (Milestone.objects.filter(project=project).aggregate(n=Max("position"))["n"] or 0) + 1
        m = Milestone.objects.create(
            project=project,
            position=position,
            name=f"Change order {co.code}",
            source=MilestoneSource.CHANGE_ORDER,
            change_order=co,
            hours=co.hours_delta,
            fee=co.fee_delta,
            currency=co.currency,
        )
        MilestoneActivity.objects.bulk_create(
            MilestoneActivity(
                milestone=m,
                position=i,
                activity=ln.activity[:200],
                role=ln.role,
                hours=ln.hours_delta,
                fee=ln.fee_delta,
                description=f"{ln.kind}: {ln.hours_before.normalize():f} → {ln.hours_after.normalize():f} h",
            )
            for i, ln in enumerate(lines, start=1)
        )
        return m
    last = (
        Milestone.objects.select_for_update(of=("self",))
        .filter(project=project, status=MilestoneStatus.IN_PROGRESS)
        .order_by("-position")
        .first()
    )
    if last is None:
        return None
    Milestone.objects.filter(pk=last.pk).update(
        fee=max(last.fee + co.fee_delta, ZERO), hours=max(last.hours + co.hours_delta, ZERO), version=last.version + 1
    )
    return last


def change_order_withdraw(*, change_order_id: int, actor: Actor, reason: str) -> ChangeOrder:
    """The EM withdraws an open change order (reason required); nothing on the project changes.
    Open approval requests on it stop counting (its status is no longer In approval)."""
    applied = change_order_transition(change_order_id=change_order_id, action="withdraw", actor=actor, reason=reason)
    result: ChangeOrder = applied.obj
    return result


def change_orders_expire(*, now: Any = None) -> int:
    """Expire open change orders past `expires_at` (the system's sweep; idempotent). Nothing on the
    project changes. Returns how many expired."""
    now = now or clock.now()
    n = 0
    for pk in ChangeOrder.objects.filter(status__in=CHANGE_ORDER_OPEN, expires_at__lte=now).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            co = ChangeOrder.objects.select_for_update(of=("self",)).get(pk=pk)
            if co.status in CHANGE_ORDER_OPEN:
                change_order_transition(
                    change_order_id=pk, action="expire", actor=None, system=True, reason="not executed in time"
                )
                ApprovalRequest.objects.for_target(co).filter(status=ApprovalStatus.PENDING).update(
                    status=ApprovalStatus.SUPERSEDED
                )
                n += 1
    return n


def change_order_decide(
    *, change_order_id: int, kind: str, approve: bool, actor: Actor, comment: str = ""
) -> ApprovalDecision:
    """An approver decides the pending `kind` request of a change order, on its current content hash
    (the after-decision hook then approves or rejects the change order). Raises NotFound (no such
    pending request), PermissionDenied (not a decider of `kind`, or the requester), Conflict (stale)."""
    co = _visible(actor, change_order_id)
    req = ApprovalRequest.objects.for_target(co).filter(kind=kind, status=ApprovalStatus.PENDING).first()
    if req is None:
        raise NotFound(f"No pending {kind} approval on {co.code}.")
    return approval_decide(
        request_id=req.pk,
        decider=actor,
        approve=approve,
        content_hash=req.content_hash,
        comment=comment,
        target_state=co.status,
        current_hash=co.content_hash,
    )
