"""Estimate pages on an engagement, and the public customer review page. Thin: parse, call, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from psdesk.branding.responses import rendition_response
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.errors import DomainError, NotFound
from psdesk.core.types import AuthedRequest
from psdesk.engagements.labels import label_move
from psdesk.engagements.models import Engagement, EngagementLabel
from psdesk.estimates import documents, exports, selectors, services
from psdesk.estimates.choices import ROLES, Delivery, FeedbackKind, PricingModel

VIEW = "estimates.view_estimateversion"
COST = "estimates.view_estimate_cost"


def _engagement(request: AuthedRequest, engagement_id: int) -> Engagement:
    eng = Engagement.objects.visible_to(request.user).for_board().filter(pk=engagement_id).first()
    if eng is None:
        raise Http404("Not found.")
    return eng


def _version(request: AuthedRequest, engagement_id: int, version_id: int) -> Any:
    try:
        v = selectors.version_get(user=request.user, version_id=version_id)
    except NotFound:
        raise Http404("Not found.") from None
    if v.engagement_id != engagement_id:
        raise Http404("Not found.")
    return v


def _refused(request: AuthedRequest, exc: DomainError, to: str) -> HttpResponse:
    messages.error(request, exc.message)
    return redirect(to)


@permission_required(VIEW, raise_exception=True)
def index(request: AuthedRequest) -> HttpResponse:
    """The latest estimate version of each engagement you may see, most recently changed first."""
    ctx = {
        "versions": selectors.latest_versions(user=request.user, limit=100),
        "see_cost": request.user.has_perm(COST),
        "target": selectors.policy_get().target_margin,
    }
    return render(request, "estimates/index.html", ctx)


@permission_required(VIEW, raise_exception=True)
def engagement(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    eng = _engagement(request, engagement_id)
    versions = selectors.version_list(user=request.user, engagement_id=eng.pk)
    policy = selectors.policy_get()
    standings = selectors.version_standings(list(versions))
    rows = [
        {
            "v": v,
            "needs_ta": selectors.needs_ta_review(v, policy),
            "approved": standings[v.pk].ta_approved,
            "agreed": standings[v.pk].agreement,
        }
        for v in versions
    ]
    ctx = {
        "eng": eng,
        "rows": rows,
        "latest": versions[-1] if versions else None,
        "policy": policy,
        "flag": selectors.estimate_margin_flag(eng),
        "labels": EngagementLabel.objects.filter(engagement=eng),
        "can_edit": request.user.has_perm(services.EDIT),
        "can_review": request.user.has_perm(services.REVIEW),
        "see_cost": request.user.has_perm(COST),
    }
    return render(request, "estimates/engagement.html", ctx)


@permission_required(VIEW, raise_exception=True)
def version(request: AuthedRequest, engagement_id: int, version_id: int) -> HttpResponse:
    v = _version(request, engagement_id, version_id)
    lines = selectors.version_lines(v)
    can_edit = request.user.has_perm(services.EDIT) and not v.is_shared
    ctx = {
        "eng": v.engagement,
        "v": v,
        "lines": lines,
        "blank_rows": range(3),
        "can_edit": can_edit,
        "can_share": request.user.has_perm(services.EDIT),
        "can_review": request.user.has_perm(services.REVIEW),
        "see_cost": request.user.has_perm(COST),
        "flag": v.margin is not None and v.margin < selectors.policy_get().target_margin,
        "needs_ta": selectors.needs_ta_review(v),
        "approved": selectors.ta_approved(v),
        "reviews": v.reviews.select_related("reviewer"),
        "feedback": v.feedback.all(),
        "links": v.review_links.all(),
        "share_url": request.session.pop(f"estimate-link-{v.pk}", ""),
        "roles": ROLES,
        "deliveries": Delivery.choices,
        "pricing_models": PricingModel.choices,
    }
    return render(request, "estimates/version.html", ctx)


def _posted_lines(request: AuthedRequest) -> list[services.LineData]:
    p = request.POST
    cols = [p.getlist(k) for k in ("activity", "description", "role", "hours", "delivery", "provenance")]
    service_types = p.getlist("service_type")  # kept per existing line (it groups the SOW's milestones)
    lines = []
    for i, (activity, description, role, hours, delivery, provenance) in enumerate(zip(*cols, strict=False)):
        if not activity.strip() and not hours.strip():
            continue  # an empty row (or a row the EM cleared to remove it)
        lines.append(
            services.LineData(
                activity=activity,
                description=description,
                role=role,
                hours=hours.strip(),
                delivery=delivery,
                provenance=tuple(x for x in provenance.split(",") if x.strip()),
                service_type=service_types[i].strip() if i < len(service_types) else "",
            )
        )
    return lines


@require_POST
@permission_required(VIEW, raise_exception=True)
def version_new(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    eng = _engagement(request, engagement_id)
    back = reverse("estimates:engagement", args=[eng.pk])
    based_on = request.POST.get("based_on", "")
    latest = request.POST.get("expected_latest", "")
    try:
        v = services.estimate_version_create(
            engagement_id=eng.pk,
            actor=request.user,
            based_on_id=int(based_on) if based_on.isdigit() else None,
            from_draft=request.POST.get("from_draft") == "1",
            pricing_model=request.POST.get("pricing_model") or None,
            expected_latest=int(latest) if latest.isdigit() else None,
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    messages.success(request, f"Estimate v{v.number} created.")
    return redirect("estimates:version", eng.pk, v.pk)


@require_POST
@permission_required(VIEW, raise_exception=True)
def version_edit(request: AuthedRequest, engagement_id: int, version_id: int) -> HttpResponse:
    v = _version(request, engagement_id, version_id)
    here = reverse("estimates:version", args=[engagement_id, v.pk])
    revision = request.POST.get("revision", "")
    try:
        v = services.estimate_version_update(
            version_id=v.pk,
            actor=request.user,
            revision=int(revision) if revision.isdigit() else -1,
            lines=_posted_lines(request),
            pricing_model=request.POST.get("pricing_model") or None,
            assumptions=request.POST.get("assumptions", ""),
            out_of_scope=request.POST.get("out_of_scope", ""),
        )
    except DomainError as exc:
        return _refused(request, exc, here)
    messages.success(request, f"Saved v{v.number}: {v.currency} {v.price:,.2f}.")
    return redirect(here)


@require_POST
@permission_required(VIEW, raise_exception=True)
def version_share(request: AuthedRequest, engagement_id: int, version_id: int) -> HttpResponse:
    v = _version(request, engagement_id, version_id)
    here = reverse("estimates:version", args=[engagement_id, v.pk])
    try:
        shared = services.estimate_version_share(version_id=v.pk, actor=request.user)
    except DomainError as exc:
        return _refused(request, exc, here)
    # Shown once on the next page (the token is not stored anywhere else).
    request.session[f"estimate-link-{v.pk}"] = request.build_absolute_uri(f"/review/{shared.token}/")
    messages.success(request, f"v{v.number} shared; the link expires {shared.link.expires_at:%Y-%m-%d}.")
    return redirect(here)


@require_POST
@permission_required(VIEW, raise_exception=True)
def link_revoke(request: AuthedRequest, engagement_id: int, link_id: int) -> HttpResponse:
    back = reverse("estimates:engagement", args=[engagement_id])
    try:
        link = services.review_link_revoke(link_id=link_id, actor=request.user)
    except DomainError as exc:
        return _refused(request, exc, back)
    messages.success(request, "Link revoked.")
    return redirect("estimates:version", link.version.engagement_id, link.version_id)


@require_POST
@permission_required(VIEW, raise_exception=True)
def version_review(request: AuthedRequest, engagement_id: int, version_id: int) -> HttpResponse:
    v = _version(request, engagement_id, version_id)
    here = reverse("estimates:version", args=[engagement_id, v.pk])
    try:
        services.estimate_review_record(
            version_id=v.pk,
            actor=request.user,
            decision=request.POST.get("decision", ""),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        return _refused(request, exc, here)
    messages.success(request, "Review recorded.")
    return redirect(here)


@require_POST
@permission_required(VIEW, raise_exception=True)
def ta_assistance(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    """Ask a TA for help (`Scoping::Needs_TA_Assistance`) or, as a TA, mark it given: the Scoping::
    label workflow's moves, as from the card drawer."""
    back = reverse("estimates:engagement", args=[engagement_id])
    try:
        label_move(
            engagement_id=engagement_id,
            scope="Scoping",
            action="assisted" if request.POST.get("done") == "1" else "request_assistance",
            actor=request.user,
            reason=request.POST.get("note", "")[:2000],
        )
    except DomainError as exc:
        return _refused(request, exc, back)
    return redirect(back)


@permission_required(VIEW, raise_exception=True)
def compare(request: AuthedRequest, engagement_id: int) -> HttpResponse:
    eng = _engagement(request, engagement_id)
    a_raw, b_raw = request.GET.get("a", ""), request.GET.get("b", "")
    if not (a_raw.isdigit() and b_raw.isdigit()):
        raise Http404("Not found.")
    a = _version(request, eng.pk, int(a_raw))
    b = _version(request, eng.pk, int(b_raw))
    ctx = {"eng": eng, "diff": selectors.version_diff(a, b), "see_cost": request.user.has_perm(COST)}
    return render(request, "estimates/compare.html", ctx)


@permission_required(VIEW, raise_exception=True)
def export_xlsx(request: AuthedRequest, engagement_id: int, version_id: int) -> HttpResponse:
    v = _version(request, engagement_id, version_id)
    internal = request.GET.get("variant") == "internal"
    if internal and not request.user.has_perm(COST):
        raise Http404("Not found.")
    r = documents.estimate_xlsx_rendition(v, internal=internal)
    return rendition_response(
        request,
        r,
        title=f"Estimate v{v.number} workbook",
        filename=exports.xlsx_filename(v, internal=internal),
        content_type=exports.XLSX_MIME,
        download_url=request.get_full_path(),
        status_url=exports.rendition_status_url(r),
        back_url=reverse("estimates:version", args=[engagement_id, version_id]),
    )


@permission_required(VIEW, raise_exception=True)
def export_pdf(request: AuthedRequest, engagement_id: int, version_id: int) -> HttpResponse:
    v = _version(request, engagement_id, version_id)
    r = documents.estimate_pdf_rendition(v)
    return rendition_response(
        request,
        r,
        title=f"Estimate v{v.number} PDF",
        filename=exports.pdf_filename(v),
        content_type="application/pdf",
        download_url=request.path,
        status_url=exports.rendition_status_url(r),
        back_url=reverse("estimates:version", args=[engagement_id, version_id]),
    )


# --- public customer review (no login; /review/ is exempt in PSDESK_PUBLIC_PATH_PREFIXES) ----------


def _private(resp: HttpResponse) -> HttpResponse:
    # The URL is the key: keep it out of other sites' Referer headers, caches and search engines
    # ("no-referrer" would make Chromium send `Origin: null` on the form posts, failing CSRF).
    resp["Referrer-Policy"] = "same-origin"
    resp["Cache-Control"] = "no-store"
    resp["X-Robots-Tag"] = "noindex, nofollow"
    return resp


def _not_found() -> HttpResponse:
    return _private(HttpResponse("Not found.", status=404, content_type="text/plain"))


def review(request: AuthedRequest, token: str) -> HttpResponse:
    """The customer's read-only view of one version: activities, hours, price; never cost or margin."""
    try:
        link = selectors.review_link_resolve(token)
    except NotFound:
        return _not_found()
    v = link.version
    ctx = {
        "v": v,
        "eng": v.engagement,
        "lines": selectors.version_lines(v),
        "token": token,
        "agreement": selectors.agreement_get(v),
        "feedback": v.feedback.filter(kind=FeedbackKind.COMMENT),
        "assumptions": [t.strip() for t in v.assumptions.splitlines() if t.strip()],
        "out_of_scope": [t.strip() for t in v.out_of_scope.splitlines() if t.strip()],
        "error": request.session.pop("review-error", "") if hasattr(request, "session") else "",
        "expires_at": link.expires_at,
        "vendor": vendor_profile_get(),
    }
    return _private(render(request, "estimates/review.html", ctx))


@require_POST
def review_feedback(request: AuthedRequest, token: str) -> HttpResponse:
    try:
        services.customer_feedback_record(
            token=token,
            name=request.POST.get("name", ""),
            email=request.POST.get("email", ""),
            message=request.POST.get("message", ""),
        )
    except NotFound:
        return _not_found()
    except DomainError as exc:
        request.session["review-error"] = exc.message
    return _private(redirect("review:show", token))


@require_POST
def review_agree(request: AuthedRequest, token: str) -> HttpResponse:
    try:
        services.customer_agreement_record(
            token=token, name=request.POST.get("name", ""), email=request.POST.get("email", "")
        )
    except NotFound:
        return _not_found()
    except DomainError as exc:
        request.session["review-error"] = exc.message
    return _private(redirect("review:show", token))
