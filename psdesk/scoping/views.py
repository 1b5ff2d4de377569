"""Scoping pages: the Services Calculator (two steps), the engagement's scoping page (SSOT table,
draft estimate with provenance, answer diff, scheduling intake), Ask PS and PubSec access.
Thin: parse input, call selectors/services, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied as PermissionDeniedPage
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.audit.models import AuditEvent
from psdesk.core.errors import DomainError
from psdesk.core.types import AuthedRequest
from psdesk.crm.choices import Segment
from psdesk.crm.models import Account, Opportunity, Territory
from psdesk.engagements.choices import DeliveryMode, PricingModel
from psdesk.engagements.models import Engagement, SchedulingIntake
from psdesk.engagements.services import scheduling_intake_update
from psdesk.scoping.answers import is_answered
from psdesk.scoping.choices import AccessRequestStatus, AskPsKind
from psdesk.scoping.models import PubSecAccessRequest
from psdesk.scoping.selectors import draft_estimate, questions_for, service_type_list, ssot_can_edit, ssot_rows
from psdesk.scoping.services import (
    NewCustomer,
    ask_ps_submit,
    pubsec_access_decide,
    pubsec_access_request,
    scoping_request_submit,
    ssot_answer_set,
)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _step1(request: AuthedRequest) -> dict[str, Any]:
    p = request.POST
    return {
        "customer_mode": "new" if p.get("customer_mode") == "new" else "existing",
        "account_id": _int(p.get("account_id")),
        "new_name": p.get("new_name", "")[:200],
        "new_territory": _int(p.get("new_territory")),
        "new_segment": p.get("new_segment", "") if p.get("new_segment", "") in Segment.values else "",
        "opportunity_id": _int(p.get("opportunity_id")),
        "pubsec": p.get("pubsec") == "on",
        "service_types": [k for k in p.getlist("service_types") if k][:10],
    }


def _calc_ctx(request: AuthedRequest, data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    user = request.user
    return {
        "data": data or {"customer_mode": "existing", "service_types": []},
        "accounts": Account.objects.visible_to(user).only("id", "name", "us_public_sector").order_by("name"),
        "opportunities": Opportunity.objects.visible_to(user)
        .select_related("account")
        .order_by("account__name", "name"),
        "territories": Territory.objects.order_by("name"),
        "segments": Segment.choices,
        "service_types": service_type_list(),
        "is_pubsec_member": user_is_pubsec(user),
        "delivery_modes": DeliveryMode.choices,
        "pricing_models": PricingModel.choices,
        **extra,
    }


@permission_required("scoping.use_calculator", raise_exception=True)
def calculator(request: AuthedRequest) -> HttpResponse:
    """Step 1: customer, opportunity, PubSec, service types. Step 2: the questions and the intake."""
    if request.method != "POST":
        return render(request, "scoping/calculator.html", _calc_ctx(request))
    data = _step1(request)
    step = request.POST.get("step", "1")
    errors: list[str] = []
    if not data["service_types"]:
        errors.append("Choose at least one service type.")
    if data["customer_mode"] == "existing" and data["account_id"] is None:
        errors.append("Choose the customer account, or pick 'New customer'.")
    if data["customer_mode"] == "new" and not data["new_name"].strip():
        errors.append("Name the new customer.")
    if errors:
        return render(request, "scoping/calculator.html", _calc_ctx(request, data, errors=errors), status=422)
    groups = _question_groups(data["service_types"], request.POST if step == "2" else None)
    if step == "1":
        return render(request, "scoping/calculator_questions.html", _calc_ctx(request, data, groups=groups))
    answers: dict[str, dict[str, Any]] = {}
    for g in groups:
        answers[g["key"]] = {q.key: q.value for q in g["questions"] if q.value.strip()}
    intake = _intake_from_post(request.POST)
    try:
        result = scoping_request_submit(
            requester=request.user,
            service_types=data["service_types"],
            answers=answers,
            account_id=data["account_id"] if data["customer_mode"] == "existing" else None,
            new_customer=(
                NewCustomer(name=data["new_name"], territory_id=data["new_territory"], segment=data["new_segment"])
                if data["customer_mode"] == "new"
                else None
            ),
            opportunity_id=data["opportunity_id"] if data["customer_mode"] == "existing" else None,
            us_public_sector=data["pubsec"],
            intake=intake,
        )
    except DomainError as exc:
        bad = str(exc.details.get("field", ""))
        ctx = _calc_ctx(request, data, groups=groups, errors=[exc.message], bad_field=bad, intake=intake)
        return render(request, "scoping/calculator_questions.html", ctx, status=exc.status)
    eng = result.engagement
    if result.created:
        messages.success(request, f"Created “{eng.title}” in Open, assigned to {eng.em or 'no EM yet'}.")
    else:
        messages.info(request, f"This request was already submitted: “{eng.title}”.")
    return redirect(reverse("scoping:engagement", args=[eng.pk]))


class _Q:
    def __init__(self, q: Any, value: str) -> None:
        self.key, self.text, self.answer_type, self.choices = q.key, q.text, q.answer_type, q.choices
        self.example, self.rationale, self.required, self.multiple = q.example, q.rationale, q.required, q.multiple
        self.value = value
        self.field = f"a__{q.service_type.key}__{q.key}"


def _question_groups(types: list[str], post: Any) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for q in questions_for(service_types=types):
        st = q.service_type
        g = groups.setdefault(st.key, {"key": st.key, "name": st.name, "description": st.description, "questions": []})
        value = post.get(f"a__{st.key}__{q.key}", "")[:2000] if post is not None else ""
        g["questions"].append(_Q(q, value))
    return list(groups.values())


def _intake_from_post(post: Any) -> dict[str, Any]:
    intake: dict[str, Any] = {}
    for key in ("start_window_from", "start_window_to", "timezone", "security_requirements", "clearance_required"):
        if post.get(f"i__{key}", "").strip():
            intake[key] = post.get(f"i__{key}", "").strip()[:5000]
    if post.get("i__delivery_mode") in DeliveryMode.values:
        intake["delivery_mode"] = post["i__delivery_mode"]
    if post.get("i__pricing_model") in PricingModel.values:
        intake["pricing_model"] = post["i__pricing_model"]
    if post.get("i__skills_needed", "").strip():
        intake["skills_needed"] = post["i__skills_needed"][:2000]
    intake["us_citizenship_required"] = post.get("i__us_citizenship_required") == "on"
    partner = post.get("i__partner_staffing_allowed", "")
    if partner in ("yes", "no"):
        intake["partner_staffing_allowed"] = partner == "yes"
    contacts = []
    for role in ("technical", "executive", "signer"):
        name = post.get(f"i__contact_{role}_name", "").strip()
        if name:
            contacts.append({"role": role, "name": name, "email": post.get(f"i__contact_{role}_email", "").strip()})
    if contacts:
        intake["contacts"] = contacts
    return intake


def _engagement_or_404(request: AuthedRequest, engagement_id: int) -> Engagement | None:
    return (
        Engagement.objects.visible_to(request.user)
        .select_related("account", "opportunity", "em", "epic")
        .filter(pk=engagement_id)
        .first()
    )


@permission_required("scoping.view_ssotrow", raise_exception=True)
def engagement(request: AuthedRequest, engagement_id: int, diff: Any = None, status: int = 200) -> HttpResponse:
    """The engagement's scoping page: SSOT table (editable by account team and EM), the draft
    estimate with provenance, the diff after an answer changed, history and the intake."""
    eng = _engagement_or_404(request, engagement_id)
    if eng is None:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    rows = ssot_rows(engagement=eng)
    try:
        estimate: Any = draft_estimate(engagement=eng)
    except DomainError as exc:
        estimate = None
        messages.error(request, exc.message)
    history = (
        AuditEvent.objects.for_target(eng)
        .filter(verb__in=("scoping.ssot_answered", "engagements.intake_updated", "scoping.request_submitted"))
        .order_by("-seq")[:50]
    )
    ctx = {
        "eng": eng,
        "rows": rows,
        "missing": [r for r in rows if r.required and not is_answered(r.response)],
        "can_edit": ssot_can_edit(user=request.user, engagement=eng),
        "estimate": estimate,
        "by_role": sorted(estimate.hours_by_role().items()) if estimate is not None else [],
        "diff": diff,
        "history": history,
        "intake": SchedulingIntake.objects.filter(engagement=eng).first(),
        "labels": list(eng.labels.values_list("name", flat=True)),
        "delivery_modes": DeliveryMode.choices,
        "pricing_models": PricingModel.choices,
    }
    return render(request, "scoping/engagement.html", ctx, status=status)


@require_POST
@permission_required("scoping.change_ssotrow", raise_exception=True)
def answer(request: AuthedRequest, engagement_id: int, row_id: int) -> HttpResponse:
    eng = _engagement_or_404(request, engagement_id)
    if eng is None or not eng.ssot_rows.filter(pk=row_id).exists():
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    version = _int(request.POST.get("version"))
    try:
        result = ssot_answer_set(
            row_id=row_id,
            response=request.POST.get("response", "")[:2000],
            actor=request.user,
            expected_version=version,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return engagement(request, engagement_id, status=exc.status)
    messages.success(request, f"Saved: {result.row.text} = {result.row.response}")
    return engagement(request, engagement_id, diff=result.diff)


@require_POST
@permission_required("scoping.change_ssotrow", raise_exception=True)
def intake_edit(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    eng = _engagement_or_404(request, engagement_id)
    if eng is None:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    if not ssot_can_edit(user=request.user, engagement=eng):
        messages.error(request, "Only the account team and the engagement manager may edit the intake.")
        return engagement(request, engagement_id, status=403)
    data = _intake_from_post(request.POST)
    if "partner_staffing_allowed" not in data:
        data["partner_staffing_allowed"] = None
    try:
        scheduling_intake_update(
            engagement=eng, data=data, actor=request.user, expected_version=_int(request.POST.get("version"))
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return engagement(request, engagement_id, status=exc.status)
    messages.success(request, "Scheduling intake saved.")
    return redirect(reverse("scoping:engagement", args=[eng.pk]))


@permission_required("scoping.add_askpsrequest", raise_exception=True)
def ask_ps(request: AuthedRequest) -> HttpResponse:
    """Ask PS: a general question or an account-specific request; and PubSec access requests."""
    ctx: dict[str, Any] = {
        "accounts": Account.objects.visible_to(request.user).only("id", "name").order_by("name"),
        "kinds": AskPsKind.choices,
        "is_pubsec_member": user_is_pubsec(request.user),
        "pending_access": PubSecAccessRequest.objects.filter(
            user_id=request.user.pk or 0, status=AccessRequestStatus.PENDING
        ).first(),
        "form": {},
    }
    if request.method == "POST":
        form = {k: request.POST.get(k, "") for k in ("kind", "subject", "body", "account_id")}
        try:
            req = ask_ps_submit(
                asker=request.user,
                kind=form["kind"],
                subject=form["subject"][:200],
                body=form["body"][:10_000],
                account_id=_int(form["account_id"]) if form["kind"] == AskPsKind.ACCOUNT else None,
            )
        except DomainError as exc:
            ctx.update(form=form, error=exc.message)
            return render(request, "scoping/ask_ps.html", ctx, status=exc.status)
        messages.success(request, f"Sent to {req.routed_to or req.get_route_display()}.")
        return redirect(reverse("scoping:ask_ps"))
    return render(request, "scoping/ask_ps.html", ctx)


@require_POST
@permission_required("scoping.add_pubsecaccessrequest", raise_exception=True)
def pubsec_request(request: AuthedRequest) -> HttpResponse:
    try:
        pubsec_access_request(user=request.user, justification=request.POST.get("justification", "")[:5000])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "PubSec access requested; a PS Ops Manager will decide.")
    return redirect(reverse("scoping:ask_ps"))


def pubsec_requests(request: AuthedRequest) -> HttpResponse:
    """PS Ops (and PS Leadership, as second approvers): open PubSec access requests with approve /
    confirm / deny."""
    if not (request.user.has_perm("accounts.grant_pubsec") or request.user.has_perm("accounts.confirm_pubsec")):
        raise PermissionDeniedPage
    if request.method == "POST":
        try:
            pubsec_access_decide(
                request_id=_int(request.POST.get("request_id")) or 0,
                grant=request.POST.get("decision") == "grant",
                actor=request.user,
                reason=request.POST.get("reason", "")[:5000],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Decision recorded.")
        return redirect(reverse("scoping:pubsec_requests"))
    reqs = PubSecAccessRequest.objects.select_related("user", "decided_by", "first_approved_by").order_by(
        "status", "-created_at"
    )[:200]
    return render(request, "scoping/pubsec_requests.html", {"requests": reqs})
