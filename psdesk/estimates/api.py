"""REST endpoints for estimates: versions, lines, sharing and links, TA review, diff, exports."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field, StrictInt

from psdesk.branding.responses import rendition_api_data
from psdesk.core.api import errors
from psdesk.core.errors import NotFound
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor, AuthedRequest
from psdesk.engagements.labels import label_move
from psdesk.engagements.models import Engagement
from psdesk.estimates import documents, exports, selectors, services
from psdesk.estimates.models import EstimateVersion

router = Router(tags=["estimates"])

VIEW = "estimates.view_estimateversion"
COST = "estimates.view_estimate_cost"


class EstimateLineIn(Schema):
    activity: str = Field(..., max_length=200)
    role: str = Field(..., max_length=32)
    hours: Decimal
    description: str = Field("", max_length=10_000)
    delivery: Literal["remote", "onsite"] = "remote"
    provenance: list[str] = Field(default_factory=list, max_length=50)
    service_type: str = Field("", max_length=64)


class EstimateLineOut(Schema):
    position: int
    activity: str
    description: str
    role: str
    hours: Decimal
    delivery: str
    provenance: list[str]
    rate: Decimal
    price: Decimal
    cost_rate: Decimal | None = None
    cost: Decimal | None = None


class VersionSummary(Schema):
    id: int
    engagement_id: int
    number: int
    status: str
    pricing_model: str
    currency: str
    hours: Decimal
    price: Decimal
    cost: Decimal | None = None
    margin: Decimal | None = None
    margin_below_target: bool | None = None
    needs_ta_review: bool
    ta_approved: bool
    customer_agreed: bool
    revision: int
    created_at: datetime
    shared_at: datetime | None


class EstimateVersionOut(VersionSummary):
    assumptions: str
    out_of_scope: str
    lines: list[EstimateLineOut]


class VersionCreateIn(Schema):
    based_on: int | None = None
    from_draft: bool = False
    lines: list[EstimateLineIn] | None = Field(None, max_length=services.MAX_LINES)
    pricing_model: Literal["fixed_fee", "tm"] | None = None
    assumptions: str | None = Field(None, max_length=50_000)
    out_of_scope: str | None = Field(None, max_length=50_000)
    expected_latest: StrictInt | None = Field(None, ge=0)


class VersionUpdateIn(Schema):
    revision: int = Field(..., ge=0)
    lines: list[EstimateLineIn] | None = Field(None, max_length=services.MAX_LINES)
    pricing_model: Literal["fixed_fee", "tm"] | None = None
    assumptions: str | None = Field(None, max_length=50_000)
    out_of_scope: str | None = Field(None, max_length=50_000)


class ShareOut(Schema):
    version: VersionSummary
    link_id: int
    url: str
    expires_at: datetime


class LinkOut(Schema):
    id: int
    version_id: int
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class ReviewIn(Schema):
    decision: Literal["approved", "changes_requested"]
    comment: str = Field("", max_length=10_000)


class ReviewOut(Schema):
    id: int
    version_id: int
    reviewer: str
    decision: str
    comment: str
    created_at: datetime


class LineChangeOut(Schema):
    kind: str
    activity: str
    role: str
    changed: list[str]
    hours_before: Decimal | None
    hours_after: Decimal | None
    rate_before: Decimal | None
    rate_after: Decimal | None
    price_before: Decimal | None
    price_after: Decimal | None
    price_delta: Decimal


class DiffOut(Schema):
    a: int
    b: int
    added: int
    removed: int
    changed: int
    price_delta: Decimal
    margin_delta: Decimal | None = None
    changes: list[LineChangeOut]


class AssistIn(Schema):
    note: str = Field("", max_length=5000)


class ExportParams(Schema):
    variant: Literal["customer", "internal"] = "customer"


def _summary(
    v: EstimateVersion,
    user: Actor,
    *,
    policy: Any = None,
    standing: selectors.VersionStanding | None = None,
) -> dict[str, Any]:
    policy = policy or selectors.policy_get()
    standing = standing or selectors.version_standings([v])[v.pk]
    cost_ok = user.has_perm(COST)
    return {
        "id": v.pk,
        "engagement_id": v.engagement_id,
        "number": v.number,
        "status": v.status,
        "pricing_model": v.pricing_model,
        "currency": v.currency,
        "hours": v.hours,
        "price": v.price,
        "cost": v.cost if cost_ok else None,
        "margin": v.margin if cost_ok else None,
        "margin_below_target": (v.margin is not None and v.margin < policy.target_margin) if cost_ok else None,
        "needs_ta_review": selectors.needs_ta_review(v, policy),
        "ta_approved": standing.ta_approved,
        "customer_agreed": standing.agreement is not None,
        "revision": v.revision,
        "created_at": v.created_at,
        "shared_at": v.shared_at,
    }


def _detail(v: EstimateVersion, user: Actor) -> dict[str, Any]:
    cost_ok = user.has_perm(COST)
    data = _summary(v, user)
    data["assumptions"] = v.assumptions
    data["out_of_scope"] = v.out_of_scope
    data["lines"] = [
        {
            "position": ln.position,
            "activity": ln.activity,
            "description": ln.description,
            "role": ln.role,
            "hours": ln.hours,
            "delivery": ln.delivery,
            "provenance": ln.provenance,
            "rate": ln.rate,
            "price": ln.price,
            "cost_rate": ln.cost_rate if cost_ok else None,
            "cost": ln.cost if cost_ok else None,
        }
        for ln in selectors.version_lines(v)
    ]
    return data


def _lines(items: list[EstimateLineIn] | None) -> list[services.LineData] | None:
    if items is None:
        return None
    return [
        services.LineData(
            activity=i.activity,
            role=i.role,
            hours=i.hours,
            description=i.description,
            delivery=i.delivery,
            provenance=tuple(i.provenance),
            service_type=i.service_type,
        )
        for i in items
    ]


def review_url(request: AuthedRequest, token: str) -> str:
    return request.build_absolute_uri(f"/review/{token}/")


@router.get(
    "/estimates/engagements/{engagement_id}/versions",
    response={200: list[VersionSummary], **errors(401, 403, 404)},
)
def list_versions(request: AuthedRequest, engagement_id: int) -> Any:
    """Every version of the engagement's estimate, oldest first (cost and margin only for roles that see cost)."""
    permission_require(request.user, VIEW)
    if not Engagement.objects.visible_to(request.user).filter(pk=engagement_id).exists():
        raise NotFound(f"engagement {engagement_id} not found")
    versions = list(selectors.version_list(user=request.user, engagement_id=engagement_id))
    policy, standings = selectors.policy_get(), selectors.version_standings(versions)
    return [_summary(v, request.user, policy=policy, standing=standings[v.pk]) for v in versions]


@router.post(
    "/estimates/engagements/{engagement_id}/versions",
    response={201: EstimateVersionOut, **errors(400, 401, 403, 404, 409, 422)},
)
def create_version(request: AuthedRequest, engagement_id: int, payload: VersionCreateIn) -> Any:
    """New version: from the calculator draft (`from_draft`), a copy of `based_on`, or `lines`.
    `expected_latest` (latest number you saw, 0 for none) → 409 when someone saved meanwhile."""
    permission_require(request.user, VIEW)
    v = services.estimate_version_create(
        engagement_id=engagement_id,
        actor=request.user,
        lines=_lines(payload.lines),
        based_on_id=payload.based_on,
        from_draft=payload.from_draft,
        pricing_model=payload.pricing_model,
        assumptions=payload.assumptions,
        out_of_scope=payload.out_of_scope,
        expected_latest=payload.expected_latest,
    )
    return Status(201, _detail(v, request.user))


@router.get("/estimates/versions/{version_id}", response={200: EstimateVersionOut, **errors(401, 403, 404)})
def get_version(request: AuthedRequest, version_id: int) -> Any:
    permission_require(request.user, VIEW)
    return _detail(selectors.version_get(user=request.user, version_id=version_id), request.user)


@router.put(
    "/estimates/versions/{version_id}", response={200: EstimateVersionOut, **errors(400, 401, 403, 404, 409, 422)}
)
def update_version(request: AuthedRequest, version_id: int, payload: VersionUpdateIn) -> Any:
    """Edit a draft in place. 409 `version_shared` for a shared version (create a new one); 409 `stale`."""
    permission_require(request.user, VIEW)
    v = services.estimate_version_update(
        version_id=version_id,
        actor=request.user,
        revision=payload.revision,
        lines=_lines(payload.lines),
        pricing_model=payload.pricing_model,
        assumptions=payload.assumptions,
        out_of_scope=payload.out_of_scope,
    )
    return _detail(v, request.user)


@router.post("/estimates/versions/{version_id}/share", response={200: ShareOut, **errors(401, 403, 404, 422)})
def share_version(request: AuthedRequest, version_id: int) -> Any:
    """Freeze the version and create a customer review link (valid for the policy's days)."""
    permission_require(request.user, VIEW)
    shared = services.estimate_version_share(version_id=version_id, actor=request.user)
    return {
        "version": _summary(shared.version, request.user),
        "link_id": shared.link.pk,
        "url": review_url(request, shared.token),
        "expires_at": shared.link.expires_at,
    }


@router.get("/estimates/versions/{version_id}/links", response={200: list[LinkOut], **errors(401, 403, 404)})
def list_links(request: AuthedRequest, version_id: int) -> Any:
    permission_require(request.user, services.EDIT)
    v = selectors.version_get(user=request.user, version_id=version_id)
    return list(v.review_links.all())


@router.post("/estimates/links/{link_id}/revoke", response={200: LinkOut, **errors(401, 403, 404)})
def revoke_link(request: AuthedRequest, link_id: int) -> Any:
    """Revoke a customer link; it answers 404 from now on."""
    permission_require(request.user, VIEW)
    return services.review_link_revoke(link_id=link_id, actor=request.user)


@router.post("/estimates/versions/{version_id}/reviews", response={201: ReviewOut, **errors(401, 403, 404, 422)})
def review_version(request: AuthedRequest, version_id: int, payload: ReviewIn) -> Any:
    """TA decision on this version: `approved` (→ TA::Approved) or `changes_requested` with a comment."""
    permission_require(request.user, VIEW)
    r = services.estimate_review_record(
        version_id=version_id, actor=request.user, decision=payload.decision, comment=payload.comment
    )
    return Status(
        201,
        {
            "id": r.pk,
            "version_id": r.version_id,
            "reviewer": request.user.get_username(),
            "decision": r.decision,
            "comment": r.comment,
            "created_at": r.created_at,
        },
    )


@router.get("/estimates/versions/{a_id}/diff/{b_id}", response={200: DiffOut, **errors(401, 403, 404)})
def diff_versions(request: AuthedRequest, a_id: int, b_id: int) -> Any:
    """Line-by-line comparison of two versions of one engagement (margin delta only for cost roles)."""
    permission_require(request.user, VIEW)
    a = selectors.version_get(user=request.user, version_id=a_id)
    b = selectors.version_get(user=request.user, version_id=b_id)
    d = selectors.version_diff(a, b)
    return {
        "a": a.number,
        "b": b.number,
        "added": d.count("added"),
        "removed": d.count("removed"),
        "changed": d.count("changed"),
        "price_delta": d.price_delta,
        "margin_delta": d.margin_delta if request.user.has_perm(COST) else None,
        "changes": [
            {
                "kind": c.kind,
                "activity": c.activity,
                "role": c.role,
                "changed": c.changed,
                "hours_before": c.before.hours if c.before else None,
                "hours_after": c.after.hours if c.after else None,
                "rate_before": c.before.rate if c.before else None,
                "rate_after": c.after.rate if c.after else None,
                "price_before": c.before.price if c.before else None,
                "price_after": c.after.price if c.after else None,
                "price_delta": c.price_delta,
            }
            for c in d.changes
            if c.kind != "same"
        ],
    }


@router.get("/estimates/versions/{version_id}/xlsx", response={200: None, **errors(401, 403, 404, 409, 422)})
def export_xlsx(request: AuthedRequest, version_id: int, params: Query[ExportParams]) -> Any:
    """The estimate workbook; `variant=internal` adds the Cost & margin sheet (cost roles only).
    Rendered by the worker and stored by the fingerprint of its content: while it renders, 409
    `document_rendering` with `details.state` and `details.status_url`."""
    permission_require(request.user, VIEW)
    internal = params.variant == "internal"
    if internal:
        permission_require(request.user, COST)
    v = selectors.version_get(user=request.user, version_id=version_id)
    r = documents.estimate_xlsx_rendition(v, internal=internal)
    data = rendition_api_data(r, what="estimate workbook", status_url=exports.rendition_status_url(r))
    resp = HttpResponse(data, content_type=exports.XLSX_MIME)
    resp["Content-Disposition"] = f'attachment; filename="{exports.xlsx_filename(v, internal=internal)}"'
    return resp


@router.get("/estimates/versions/{version_id}/pdf", response={200: None, **errors(401, 403, 404, 409)})
def export_pdf(request: AuthedRequest, version_id: int) -> Any:
    """The customer PDF (no cost, no margin), stored by the hash of its content. While the worker
    renders this content: 409 `document_rendering` with `details.state` and `details.status_url`."""
    permission_require(request.user, VIEW)
    v = selectors.version_get(user=request.user, version_id=version_id)
    r = documents.estimate_pdf_rendition(v)
    data = rendition_api_data(r, what="estimate PDF", status_url=exports.rendition_status_url(r))
    resp = HttpResponse(data, content_type="application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="{exports.pdf_filename(v)}"'
    return resp


@router.post("/estimates/engagements/{engagement_id}/ta-assistance", response={204: None, **errors(401, 403, 404, 409)})
def request_ta_assistance(request: AuthedRequest, engagement_id: int, payload: AssistIn) -> Any:
    """Ask for TA help while scoping (`Scoping::Needs_TA_Assistance`), at any time."""
    permission_require(request.user, VIEW)
    label_move(
        engagement_id=engagement_id,
        scope="Scoping",
        action="request_assistance",
        actor=request.user,
        reason=payload.note,
    )
    return Status(204, None)


@router.post(
    "/estimates/engagements/{engagement_id}/ta-assistance/done", response={204: None, **errors(401, 403, 404, 409)}
)
def complete_ta_assistance(request: AuthedRequest, engagement_id: int) -> Any:
    """A TA marks the assistance given (`Scoping::TA_Assisted`)."""
    permission_require(request.user, VIEW)
    label_move(engagement_id=engagement_id, scope="Scoping", action="assisted", actor=request.user)
    return Status(204, None)
