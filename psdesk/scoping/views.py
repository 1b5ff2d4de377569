"""Scoping pages: the Services Calculator (two steps), the engagement's scoping page (SSOT table,
draft estimate with provenance, answer diff, scheduling intake), Ask PS and PubSec access.
Thin: parse input, call selectors/services, render."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied as PermissionDeniedPage
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psdesk.accounts.selectors import user_is_pubsec
from psdesk.audit.models import AuditEvent
from psdesk.core.errors import DomainError, ValidationFailed
from psdesk.core.types import AuthedRequest
from psdesk.crm.choices import TERMINAL_STAGES, RecordType, Segment
from psdesk.crm.models import Account, Opportunity, Territory
from psdesk.engagements.choices import DeliveryMode, PricingModel
from psdesk.engagements.models import Engagement, SchedulingIntake
from psdesk.engagements.services import INTAKE_LABELS, scheduling_intake_update
from psdesk.scoping.answers import is_answered
from psdesk.scoping.choices import AccessRequestStatus, AskPsKind
from psdesk.scoping.models import PubSecAccessRequest, ServiceType, SsotRow
from psdesk.scoping.selectors import (
    ask_ps_can_answer,
    ask_ps_get,
    ask_ps_questions_of,
    ask_ps_to_answer,
    draft_estimate,
    questions_for,
    service_type_list,
    ssot_can_edit,
    ssot_rows,
)
from psdesk.scoping.services import (
    NewCustomer,
    NewLicenseOpportunity,
    NewOpportunity,
    SsotAnswer,
    ask_ps_answer,
    ask_ps_submit,
    calculator_customer_check,
    pubsec_access_decide,
    pubsec_access_request,
    scoping_request_submit,
    ssot_answers_set,
)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


@functools.cache
def _timezones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


# Step one's fields, carried through step two as hidden inputs.
STEP1_FIELDS: tuple[str, ...] = (
    "customer_mode",
    "account_id",
    "new_name",
    "new_segment",
    "new_territory",
    "new_country",
    "new_subdivision",
    "new_timezone",
    "pubsec",
    "opportunity_mode",
    "opportunity_id",
    "new_opp_name",
    "new_opp_close_date",
    "parent_mode",
    "parent_id",
    "new_parent_name",
    "new_parent_close_date",
    "new_parent_amount",
)

# A service error's `details.field` → the form field that shows it.
_FORM_FIELD = {
    "customer": "account_id",
    "new_customer.name": "new_name",
    "new_customer.segment": "new_segment",
    "new_customer.territory_id": "new_territory",
    "new_customer.country": "new_country",
    "new_customer.subdivision": "new_subdivision",
    "new_customer.timezone": "new_timezone",
    "opportunity": "opportunity_id",
    "opportunity_id": "opportunity_id",
    "new_opportunity.parent_id": "parent_id",
    "new_opportunity.new_parent.amount": "new_parent_amount",
    "service_types": "service_types",
}


def _form_field(key: str) -> str:
    if key.startswith("intake."):
        return "i__" + key.removeprefix("intake.")
    if key.startswith("answers."):
        return "a__" + "__".join(key.removeprefix("answers.").split(".", 1))
    return _FORM_FIELD.get(key, key)


def _errors_of(exc: DomainError) -> dict[str, str]:
    """Form field → message, from a service refusal (every bad answer, or the one field)."""
    many = exc.details.get("errors")
    if isinstance(many, dict) and many:
        return {_form_field(str(k)): str(v) for k, v in many.items()}
    return {_form_field(str(exc.details.get("field", "form"))): exc.message}


def _step1(post: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: str(post.get(k, ""))[:200] for k in STEP1_FIELDS}
    data["customer_mode"] = "new" if data["customer_mode"] == "new" else "existing"
    data["opportunity_mode"] = "new" if data["opportunity_mode"] == "new" else "existing"
    data["parent_mode"] = "new" if data["parent_mode"] == "new" else "existing"
    data["pubsec"] = "on" if data["pubsec"] == "on" else ""
    data["new_country"] = data["new_country"] or "US"
    data["service_types"] = [k for k in post.getlist("service_types") if k][:10]
    return data


def _customer_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    """Step one's choice as the keyword arguments of the calculator's services."""
    new_customer = data["customer_mode"] == "new"
    kwargs: dict[str, Any] = {
        "account_id": None if new_customer else _int(data["account_id"]),
        "new_customer": NewCustomer(
            name=data["new_name"],
            territory_id=_int(data["new_territory"]),
            segment=data["new_segment"],
            country=data["new_country"],
            subdivision=data["new_subdivision"],
            timezone=data["new_timezone"],
        )
        if new_customer
        else None,
        "us_public_sector": data["pubsec"] == "on",
        "opportunity_id": None,
        "new_opportunity": None,
    }
    if data["opportunity_mode"] == "existing":
        kwargs["opportunity_id"] = _int(data["opportunity_id"])
    else:
        new_parent = None
        if data["parent_mode"] == "new":
            new_parent = NewLicenseOpportunity(
                name=data["new_parent_name"],
                close_date=_date(data["new_parent_close_date"]),
                amount=_amount(data["new_parent_amount"]),
            )
        kwargs["new_opportunity"] = NewOpportunity(
            name=data["new_opp_name"],
            close_date=_date(data["new_opp_close_date"]),
            parent_id=_int(data["parent_id"]) if data["parent_mode"] == "existing" else None,
            new_parent=new_parent,
        )
    return kwargs


def _amount(raw: str) -> Decimal:
    try:
        value = Decimal(raw.replace(",", "").strip() or "0")
    except InvalidOperation:
        raise ValidationFailed(
            f"Licence amount: enter an amount like 250000.00, not '{raw[:20]}'.",
            details={"field": "new_opportunity.new_parent.amount"},
        ) from None
    if not value.is_finite():
        raise ValidationFailed(
            "Licence amount: enter a number.", details={"field": "new_opportunity.new_parent.amount"}
        )
    return value.quantize(Decimal("0.01"))


def _step1_errors(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data["service_types"]:
        errors["service_types"] = "Service types: choose at least one."
    if data["customer_mode"] == "existing" and _int(data["account_id"]) is None:
        errors["account_id"] = "Account: choose the customer account, or pick 'New customer'."
    if data["customer_mode"] == "new" and not data["new_name"].strip():
        errors["new_name"] = "Account name: name the new customer."
    if data["opportunity_mode"] == "existing" and _int(data["opportunity_id"]) is None:
        errors["opportunity_id"] = "Opportunity: choose the PS opportunity, or pick 'New PS opportunity'."
    if data["opportunity_mode"] == "new" and data["parent_mode"] == "existing" and _int(data["parent_id"]) is None:
        errors["parent_id"] = "Parent licence opportunity: choose one, or pick 'New licence opportunity'."
    return errors


def _calc_ctx(request: AuthedRequest, data: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    user = request.user
    data = data or _step1(QueryDict())
    opps = Opportunity.objects.visible_to(user).exclude(stage__in=TERMINAL_STAGES).select_related("account")
    errors: dict[str, str] = extra.pop("errors", {})
    return {
        "data": data,
        "carry": [(k, data[k]) for k in STEP1_FIELDS if data[k]]
        + [("service_types", k) for k in data["service_types"]],
        "accounts": Account.objects.visible_to(user).only("id", "name", "us_public_sector").order_by("name"),
        "opportunities": opps.filter(record_type=RecordType.PS_ONLY).order_by("account__name", "name"),
        "parents": opps.filter(record_type=RecordType.LICENSE).order_by("account__name", "name"),
        "territories": Territory.objects.order_by("name"),
        "segments": Segment.choices,
        "timezones": _timezones(),
        "service_types": service_type_list(),
        "is_pubsec_member": user_is_pubsec(user),
        "delivery_modes": DeliveryMode.choices,
        "pricing_models": PricingModel.choices,
        "errors": errors,
        "error_list": list(dict.fromkeys(errors.values())),
        "intake_labels": INTAKE_LABELS,
        **extra,
    }


def _summary(data: dict[str, Any], request: AuthedRequest) -> dict[str, str]:
    """Step one's choice in words, shown above the questions."""
    accounts = Account.objects.visible_to(request.user)
    opps = Opportunity.objects.visible_to(request.user)
    if data["customer_mode"] == "new":
        customer = f"new account {data['new_name'].strip()}"
    else:
        acc = accounts.filter(pk=_int(data["account_id"]) or 0).first()
        customer = acc.name if acc else "—"
    if data["opportunity_mode"] == "existing":
        opp = opps.filter(pk=_int(data["opportunity_id"]) or 0).first()
        opportunity = opp.name if opp else "—"
    else:
        name = data["new_opp_name"].strip() or "named by the convention"
        if data["parent_mode"] == "new":
            parent = f"new licence opportunity {data['new_parent_name'].strip() or '(named by the convention)'}"
        else:
            p = opps.filter(pk=_int(data["parent_id"]) or 0).first()
            parent = p.name if p else "—"
        opportunity = f"new PS opportunity {name}, parent: {parent}"
    return {"customer": customer, "opportunity": opportunity}


@permission_required("scoping.use_calculator", raise_exception=True)
def calculator(request: AuthedRequest) -> HttpResponse:
    """Step 1: customer (existing or new account), opportunity (existing PS-only, or new with its
    parent licence opportunity chosen or new), PubSec, service types. Step 2: the questions and
    the scheduling intake; submitting creates everything in one transaction."""
    if request.method != "POST":
        return render(request, "scoping/calculator.html", _calc_ctx(request))
    data = _step1(request.POST)
    step = request.POST.get("step", "1")
    errors = _step1_errors(data)
    if not errors:
        try:
            calculator_customer_check(requester=request.user, **_customer_kwargs(data))
        except DomainError as exc:
            errors = _errors_of(exc)
    if errors:
        ctx = _calc_ctx(request, data, errors=errors)
        return render(request, "scoping/calculator.html", ctx, status=422)
    post = request.POST if step == "2" else None
    groups = _question_groups(data["service_types"], post)
    intake_raw = _intake_raw(post)
    ctx = _calc_ctx(request, data, groups=groups, intake=intake_raw, summary=_summary(data, request))
    if step == "1":
        return render(request, "scoping/calculator_questions.html", ctx)
    answers = {g["key"]: {q.key: q.value for q in g["questions"] if q.value.strip()} for g in groups}
    try:
        result = scoping_request_submit(
            requester=request.user,
            service_types=data["service_types"],
            answers=answers,
            intake=_intake_from_post(request.POST),
            **_customer_kwargs(data),
        )
    except DomainError as exc:
        errors = _errors_of(exc)
        for g in groups:
            for q in g["questions"]:
                q.error = errors.get(q.field, "")
        ctx.update(errors=errors, error_list=list(dict.fromkeys(errors.values())))
        return render(request, "scoping/calculator_questions.html", ctx, status=exc.status)
    eng = result.engagement
    if result.created:
        opp = f" on {eng.opportunity.name}" if eng.opportunity else ""
        messages.success(request, f"Created “{eng.title}”{opp} in Open, assigned to {eng.em or 'no EM yet'}.")
    else:
        messages.info(request, f"This request was already submitted: “{eng.title}”.")
    return redirect(reverse("scoping:engagement", args=[eng.pk]))


class _Q:
    """A question as a form field: its input name, what was typed, the error to show."""

    def __init__(self, q: Any, *, field: str, value: str, error: str = "", version: int | None = None) -> None:
        self.key, self.text, self.answer_type, self.choices = q.key, q.text, q.answer_type, q.choices
        self.example, self.rationale, self.required, self.multiple = q.example, q.rationale, q.required, q.multiple
        self.field, self.value, self.error, self.version = field, value, error, version
        self.row_id = getattr(q, "row_id", None)

    @property
    def selected(self) -> list[str]:
        """The chosen values of a multiple-choice question."""
        return [p.strip() for p in self.value.split(",") if p.strip()]

    @property
    def unanswered(self) -> bool:
        return not is_answered(self.value)


def _posted(post: Any, name: str, multiple: bool) -> str:
    if multiple:
        return ", ".join(v.strip() for v in post.getlist(name) if v.strip())[:2000]
    return str(post.get(name, ""))[:2000]


def _question_groups(types: list[str], post: Any) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for q in questions_for(service_types=types):
        st = q.service_type
        g = groups.setdefault(st.key, {"key": st.key, "name": st.name, "description": st.description, "questions": []})
        field = f"a__{st.key}__{q.key}"
        value = _posted(post, field, q.multiple) if post is not None else ""
        g["questions"].append(_Q(q, field=field, value=value))
    return list(groups.values())


_INTAKE_TEXT = ("start_window_from", "start_window_to", "timezone", "security_requirements", "clearance_required")
_CONTACT_ROLES = ("technical", "executive", "signer")


def _intake_raw(post: Any) -> dict[str, str]:
    """Every intake input as typed, to fill the form again after an error."""
    if post is None:
        return {}
    names = [
        *_INTAKE_TEXT,
        "delivery_mode",
        "pricing_model",
        "partner_staffing_allowed",
        "skills_needed",
        "customer_readiness",
        "us_citizenship_required",
        *[f"contact_{r}_{f}" for r in _CONTACT_ROLES for f in ("name", "email")],
    ]
    return {n: str(post.get(f"i__{n}", ""))[:5000] for n in names}


def _intake_from_post(post: Any) -> dict[str, Any]:
    intake: dict[str, Any] = {}
    for key in (*_INTAKE_TEXT, "customer_readiness"):
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
    for role in _CONTACT_ROLES:
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


def _intake_raw_of(intake: SchedulingIntake | None) -> dict[str, str]:
    """The stored intake as the form's inputs show it."""
    if intake is None:
        return {}
    raw = {
        "start_window_from": intake.start_window_from.isoformat() if intake.start_window_from else "",
        "start_window_to": intake.start_window_to.isoformat() if intake.start_window_to else "",
        "timezone": intake.timezone,
        "security_requirements": intake.security_requirements,
        "clearance_required": intake.clearance_required,
        "delivery_mode": intake.delivery_mode,
        "pricing_model": intake.pricing_model,
        "partner_staffing_allowed": {True: "yes", False: "no"}.get(intake.partner_staffing_allowed, ""),  # type: ignore[arg-type]
        "skills_needed": ", ".join(intake.skills_needed or []),
        "customer_readiness": intake.customer_readiness,
        "us_citizenship_required": "on" if intake.us_citizenship_required else "",
    }
    for c in intake.contacts or []:
        role = c.get("role", "")
        if role in _CONTACT_ROLES and not raw.get(f"contact_{role}_name"):
            raw[f"contact_{role}_name"], raw[f"contact_{role}_email"] = c.get("name", ""), c.get("email", "")
    return raw


def _ssot_groups(rows: list[SsotRow], post: Any = None, errors: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The SSOT rows as one form per service type; `post` refills what was typed after an error."""
    names = dict(ServiceType.objects.values_list("key", "name"))
    groups: dict[str, dict[str, Any]] = {}
    for r in rows:
        g = groups.setdefault(
            r.service_type, {"key": r.service_type, "name": names.get(r.service_type, r.service_type), "questions": []}
        )
        field = f"r__{r.pk}"
        typed = post is not None and (field in post or f"v__{r.pk}" in post)
        value = _posted(post, field, r.multiple) if typed else r.response
        if not typed and not is_answered(value):
            value = ""
        r.row_id = r.pk  # type: ignore[attr-defined]
        g["questions"].append(
            _Q(r, field=field, value=value, error=(errors or {}).get(f"rows.{r.pk}", ""), version=r.version)
        )
    return list(groups.values())


@permission_required("scoping.view_ssotrow", raise_exception=True)
def engagement(
    request: AuthedRequest,
    engagement_id: int,
    diff: Any = None,
    status: int = 200,
    groups: list[dict[str, Any]] | None = None,
    intake_raw: dict[str, str] | None = None,
    intake_errors: dict[str, str] | None = None,
) -> HttpResponse:
    """The engagement's scoping page: the SSOT table as one form per service type (editable by
    the account team and EM), the draft estimate with provenance, the diff after a save, history
    and the scheduling intake."""
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
    intake = SchedulingIntake.objects.filter(engagement=eng).first()
    ctx = {
        "eng": eng,
        "rows": rows,
        "groups": groups if groups is not None else _ssot_groups(rows),
        "missing": [r for r in rows if r.required and not is_answered(r.response)],
        "can_edit": ssot_can_edit(user=request.user, engagement=eng),
        "estimate": estimate,
        "by_role": sorted(estimate.hours_by_role().items()) if estimate is not None else [],
        "diff": diff,
        "history": history,
        "intake": intake,
        "intake_raw": intake_raw if intake_raw is not None else _intake_raw_of(intake),
        "errors": intake_errors or {},
        "intake_labels": INTAKE_LABELS,
        "timezones": _timezones(),
        "labels": list(eng.labels.values_list("name", flat=True)),
        "delivery_modes": DeliveryMode.choices,
        "pricing_models": PricingModel.choices,
    }
    return render(request, "scoping/engagement.html", ctx, status=status)


@require_POST
@permission_required("scoping.change_ssotrow", raise_exception=True)
def answers(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    """Save one service type's SSOT answers at once (the form's one Save)."""
    eng = _engagement_or_404(request, engagement_id)
    if eng is None:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    rows = [r for r in ssot_rows(engagement=eng) if f"v__{r.pk}" in request.POST]
    batch = [
        SsotAnswer(
            row_id=r.pk,
            response=_posted(request.POST, f"r__{r.pk}", r.multiple),
            expected_version=_int(request.POST.get(f"v__{r.pk}")),
        )
        for r in rows
    ]
    try:
        result = ssot_answers_set(engagement_id=eng.pk, answers=batch, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        many = exc.details.get("errors")
        errors = {str(k): str(v) for k, v in many.items()} if isinstance(many, dict) else {}
        groups = _ssot_groups(ssot_rows(engagement=eng), post=request.POST, errors=errors)
        return engagement(request, engagement_id, status=exc.status, groups=groups)
    if result.changed:
        messages.success(request, f"Saved {len(result.changed)} answer{'s' if len(result.changed) != 1 else ''}.")
    else:
        messages.info(request, "Nothing changed.")
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
    stored = SchedulingIntake.objects.filter(engagement=eng).first()
    kept = [c for c in (stored.contacts if stored else []) if c.get("role") not in _CONTACT_ROLES]
    data["contacts"] = [*data.get("contacts", []), *kept]  # contacts the form does not show stay
    for key in ("partner_staffing_allowed", "skills_needed"):
        data.setdefault(key, None if key == "partner_staffing_allowed" else [])
    for key in (*_INTAKE_TEXT, "customer_readiness"):
        data.setdefault(key, "")
    try:
        scheduling_intake_update(
            engagement=eng, data=data, actor=request.user, expected_version=_int(request.POST.get("version"))
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        field = str(exc.details.get("field", "")).removeprefix("intake.")
        return engagement(
            request,
            engagement_id,
            status=exc.status,
            intake_raw=_intake_raw(request.POST),
            intake_errors={f"i__{field}": exc.message},
        )
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
        "mine": ask_ps_questions_of(request.user)[:50],
        "to_answer": ask_ps_to_answer(request.user)[:50],
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


def ask_ps_detail(request: AuthedRequest, request_id: int) -> HttpResponse:
    """One question to PS with its answers; the EM it was routed to and PS staff answer here."""
    try:
        req = ask_ps_get(user=request.user, request_id=request_id)
    except DomainError:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    ctx = {"q": req, "can_answer": ask_ps_can_answer(user=request.user, request=req)}
    return render(request, "scoping/ask_ps_detail.html", ctx)


@require_POST
def ask_ps_answer_post(request: AuthedRequest, request_id: int) -> HttpResponse:
    try:
        ask_ps_answer(request_id=request_id, author=request.user, body=request.POST.get("body", "")[:10_000])
    except DomainError as exc:
        if exc.status == 404:
            return render(request, "core/error.html", {"message": "Not found."}, status=404)
        messages.error(request, exc.message)
    else:
        messages.success(request, "Answer sent; the asker is notified.")
    return redirect(reverse("scoping:ask_ps_detail", args=[request_id]))


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
