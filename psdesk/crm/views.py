"""CRM pages: accounts, opportunity list with filters, new opportunity, opportunity detail with
stage moves and stage history. Thin: parse, call selectors/services, render."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from psdesk.core import clock
from psdesk.core.errors import DomainError, NotFound
from psdesk.core.types import AuthedRequest
from psdesk.core.workflow import MoveContext
from psdesk.crm.choices import OPEN_STAGES, ForecastCategory, OpportunityStage, RecordType, Segment
from psdesk.crm.models import Opportunity
from psdesk.crm.selectors import (
    OpportunityFilters,
    account_get,
    account_list,
    opportunity_get,
    opportunity_list,
    opportunity_moves,
    opportunity_stage_history,
)
from psdesk.crm.services import (
    opportunity_create,
    opportunity_name_suggest,
    opportunity_po_record,
    opportunity_po_refusal,
    opportunity_transition,
)
from psdesk.crm.workflow import close_won_blockers


def _not_found(request: AuthedRequest, what: str) -> HttpResponse:
    return render(request, "core/error.html", {"message": f"{what} not found."}, status=404)


@permission_required("crm.view_account", raise_exception=True)
def accounts(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    seg = request.GET.get("segment", "")
    seg = seg if seg in Segment.values else ""
    rows = account_list(user=request.user, q=q, segment=seg)[:500]
    return render(request, "crm/accounts.html", {"accounts": rows, "q": q, "segment": seg, "segments": Segment.choices})


@permission_required("crm.view_account", raise_exception=True)
def account_detail(request: AuthedRequest, account_id: int) -> HttpResponse:
    try:
        acc = account_get(user=request.user, account_id=account_id)
    except NotFound:
        return _not_found(request, "Account")
    ctx = {
        "account": acc,
        "msas": acc.msas.all(),
        "msa_now": acc.msa_on(clock.today()),
        "opportunities": opportunity_list(user=request.user, filters=OpportunityFilters(account_id=acc.pk)),
    }
    return render(request, "crm/account_detail.html", ctx)


@permission_required("crm.view_opportunity", raise_exception=True)
def opportunities(request: AuthedRequest) -> HttpResponse:
    g = request.GET
    f = OpportunityFilters(
        q=g.get("q", "")[:100],
        stage=g.get("stage", "") if g.get("stage", "") in OpportunityStage.values else "",
        record_type=g.get("record_type", "") if g.get("record_type", "") in RecordType.values else "",
        mine=g.get("mine") == "1",
        open_only=g.get("open") == "1",
    )
    rows = opportunity_list(user=request.user, filters=f)[:500]
    ctx = {"opportunities": rows, "f": f, "stages": OpportunityStage.choices, "record_types": RecordType.choices}
    return render(request, "crm/opportunities.html", ctx)


def _parse_date(raw: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@permission_required("crm.add_opportunity", raise_exception=True)
def opportunity_new(request: AuthedRequest) -> HttpResponse:
    accounts_qs = account_list(user=request.user)
    account_id = request.POST.get("account") or request.GET.get("account", "")
    account = accounts_qs.filter(pk=int(account_id)).first() if account_id.isdigit() else None
    parents = (
        Opportunity.objects.visible_to(request.user).filter(account=account, record_type=RecordType.LICENSE)
        if account
        else Opportunity.objects.none()
    )
    ctx: dict[str, Any] = {
        "accounts": accounts_qs,
        "account": account,
        "parents": parents,
        "suggested_name": opportunity_name_suggest(account=account) if account else "",
        "forecast_categories": ForecastCategory.choices,
        "values": request.POST,
        "errors": {},
    }
    if request.method == "POST" and request.POST.get("create") == "1":
        if account is None:
            ctx["errors"]["account"] = "Choose an account."
            return render(request, "crm/opportunity_new.html", ctx, status=422)
        parent_id = request.POST.get("parent", "")
        parent = parents.filter(pk=int(parent_id)).first() if parent_id.isdigit() else None
        try:
            amount = Decimal(request.POST.get("amount") or "0")
            opp = opportunity_create(
                actor=request.user,
                account=account,
                record_type=RecordType.PS_ONLY,
                name=request.POST.get("name", "")[:255],
                parent=parent,
                close_date=_parse_date(request.POST.get("close_date", "")),
                amount=amount,
                forecast_category=request.POST.get("forecast_category") or ForecastCategory.PIPELINE,
            )
        except InvalidOperation:
            ctx["errors"]["amount"] = "Enter an amount like 25000.00."
            return render(request, "crm/opportunity_new.html", ctx, status=422)
        except DomainError as exc:
            field = str(exc.details.get("field", "form")).removesuffix("_id")
            ctx["errors"][field] = exc.message
            return render(request, "crm/opportunity_new.html", ctx, status=exc.status)
        messages.success(request, f"Created {opp.name}.")
        return redirect("crm:opportunity", opportunity_id=opp.pk)
    return render(request, "crm/opportunity_new.html", ctx)


@permission_required("crm.view_opportunity", raise_exception=True)
def opportunity_detail(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    try:
        opp = opportunity_get(user=request.user, opportunity_id=opportunity_id)
    except NotFound:
        return _not_found(request, "Opportunity")

    quote_model = apps.get_model("quotes", "Quote")  # quotes sit above crm: looked up at call time
    ctx = {
        "opp": opp,
        "moves": opportunity_moves(opp, request.user),
        "history": opportunity_stage_history(opportunity=opp),
        "quotes": quote_model.objects.filter(opportunity=opp).order_by("-created_at"),
        "team": opp.account_team.order_by("username"),
        "po_refusal": opportunity_po_refusal(opportunity=opp, actor=request.user),
        "blockers": close_won_blockers(opp, MoveContext(actor=request.user)) if opp.stage in OPEN_STAGES else [],
    }
    return render(request, "crm/opportunity_detail.html", ctx)


@require_POST
@permission_required("crm.view_opportunity", raise_exception=True)
def opportunity_po(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    """Record the PO number or "no PO required" (Deal Desk or the owner)."""
    version = request.POST.get("version", "")
    try:
        opp = opportunity_po_record(
            opportunity_id=opportunity_id,
            actor=request.user,
            po_number=request.POST.get("po_number", "")[:200],
            no_po_required=request.POST.get("no_po_required") == "on",
            expected_version=int(version) if version.isdigit() else None,
        )
    except NotFound:
        return _not_found(request, "Opportunity")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        shown = opp.po_number or ("no PO required" if opp.no_po_required else "none")
        messages.success(request, f"PO recorded: {shown}.")
    return redirect("crm:opportunity", opportunity_id=opportunity_id)


@require_POST
@permission_required("crm.view_opportunity", raise_exception=True)
def opportunity_move(request: AuthedRequest, opportunity_id: int) -> HttpResponse:
    version = request.POST.get("version", "")
    try:
        applied = opportunity_transition(
            opportunity_id=opportunity_id,
            action=request.POST.get("action", "")[:64],
            actor=request.user,
            reason=request.POST.get("reason", "")[:5000],
            expected_version=int(version) if version.isdigit() else None,
        )
        messages.success(request, f"Moved to {applied.obj.get_stage_display()}.")
    except NotFound:
        return _not_found(request, "Opportunity")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("crm:opportunity", opportunity_id=opportunity_id)
