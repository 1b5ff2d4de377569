"""REST endpoints for Statements of Work: generate, versions, download, milestones, review, mark-up,
legal stamp, release, signatures, customer-paper fragments and billable events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpResponse
from ninja import File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from psdesk.branding.models import RenderState
from psdesk.core.api import errors
from psdesk.core.errors import Conflict, NotFound
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.engagements.models import Engagement
from psdesk.sows import selectors, services
from psdesk.sows.models import Markup, Sow

router = Router(tags=["sows"])
VIEW = "sows.view_sow"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class SowVersionOut(Schema):
    id: int
    number: int
    source: str
    estimate_version_id: int
    terms_kind: str
    msa_reference: str
    total: str
    currency: str
    content_hash: str
    render_state: str = Field(description="rendering (the worker is making the DOCX and PDF), ready or failed")
    render_error: str = ""
    docx_sha256: str = Field(description="empty until render_state is ready")
    pdf_sha256: str = Field(description="empty until render_state is ready")
    created_at: datetime
    superseded: bool = False

    @staticmethod
    def resolve_total(obj: Any) -> str:
        return f"{obj.total:.2f}"


class SowOut(Schema):
    id: int
    number: str
    engagement_id: int
    status: str
    billing_terms: str
    current: SowVersionOut | None
    reviewed_version_id: int | None
    version: int


class MarkupOut(Schema):
    id: int
    version_id: int
    sha256: str
    status: str
    note: str
    changes: list[dict[str, Any]]
    result_version_id: int | None
    uploaded_at: datetime


class LegalCaseOut(Schema):
    id: int
    version_id: int
    reviewer_id: int | None
    content_hash: str
    stamped_at: datetime


class SignatureOut(Schema):
    id: int
    party: str
    name: str
    title: str
    signed_on: date
    signed_pdf_sha256: str


class BillableEventOut(Schema):
    id: int
    label: str
    amount: str
    bill_on: date | None
    opportunity_id: int

    @staticmethod
    def resolve_amount(obj: Any) -> str:
        return f"{obj.amount:.2f}"


class GenerateIn(Schema):
    estimate_version_id: int | None = None
    billing_terms: str | None = Field(None, max_length=20)


class MilestoneIn(Schema):
    name: str = Field(..., max_length=200)
    lines: list[int] = Field(..., max_length=500)


class MilestonesIn(Schema):
    milestones: list[MilestoneIn] = Field(..., min_length=1, max_length=100)


class NoteIn(Schema):
    note: str = Field("", max_length=5000)


class StampIn(Schema):
    version_id: int
    note: str = Field("", max_length=5000)


class SignerIn(Schema):
    name: str = Field("", max_length=200)
    title: str = Field("", max_length=200)
    signed_on: date | None = None


class EventIn(Schema):
    label: str = Field(..., max_length=200)
    amount: str = Field(..., max_length=20)
    bill_on: date | None = None


class EventsIn(Schema):
    events: list[EventIn] = Field(..., min_length=2, max_length=50)


class DownloadParams(Schema):
    format: str = Field("pdf", pattern="^(pdf|docx)$")


def _sow(request: AuthedRequest, sow_id: int) -> Sow:
    permission_require(request.user, VIEW)
    return selectors.sow_get(user=request.user, sow_id=sow_id)


def _read(upload: UploadedFile, limit: int) -> bytes:
    """Read at most `limit` + 1 bytes, so an oversized upload is refused without reading it all."""
    data = upload.read(limit + 1)
    return bytes(data)


@router.post(
    "/sows/engagements/{engagement_id}/generate", response={201: SowOut, **errors(400, 401, 403, 404, 409, 422)}
)
def generate(request: AuthedRequest, engagement_id: int, payload: GenerateIn) -> Any:
    """Generate the next SOW version from the customer-agreed estimate version (422 when none)."""
    v = services.sow_generate(
        engagement_id=engagement_id,
        actor=request.user,
        estimate_version_id=payload.estimate_version_id,
        billing_terms=payload.billing_terms,
    )
    return Status(201, selectors.sow_get(user=request.user, sow_id=v.sow_id))


@router.get("/sows/engagements/{engagement_id}", response={200: SowOut, **errors(401, 403, 404)})
def sow_of_engagement(request: AuthedRequest, engagement_id: int) -> Any:
    permission_require(request.user, VIEW)
    eng = Engagement.objects.visible_to(request.user).filter(pk=engagement_id).first()
    sow = selectors.sow_for_engagement(eng) if eng else None
    if sow is None:
        raise NotFound(f"no SOW for engagement {engagement_id}")
    return selectors.sow_get(user=request.user, sow_id=sow.pk)


@router.get("/sows/{sow_id}", response={200: SowOut, **errors(401, 403, 404)})
def get_sow(request: AuthedRequest, sow_id: int) -> Any:
    return _sow(request, sow_id)


@router.get("/sows/{sow_id}/versions", response={200: list[SowVersionOut], **errors(401, 403, 404)})
def list_versions(request: AuthedRequest, sow_id: int) -> Any:
    sow = _sow(request, sow_id)
    versions = selectors.version_list(sow=sow)
    for v in versions:
        v.superseded = v.pk != sow.current_id  # type: ignore[attr-defined]
    return versions


@router.get("/sows/versions/{version_id}/download", response={200: None, **errors(401, 403, 404, 409, 422)})
def download(request: AuthedRequest, version_id: int, params: Query[DownloadParams]) -> Any:
    """The stored DOCX or PDF of a version (byte-identical to its SHA-256). While the worker renders
    it: 409 `document_rendering` with `details.state` (a failed render: 409 `document_render_failed`,
    and it is asked for again); poll the version (`render_state`) and ask again when ready."""
    permission_require(request.user, VIEW)
    v = selectors.version_get(user=request.user, version_id=version_id)
    if v.render_state == RenderState.FAILED:
        services.sow_version_render_retry(version=v)
    if v.render_state != RenderState.READY:
        code = "document_render_failed" if v.render_state == RenderState.FAILED else "document_rendering"
        raise Conflict(
            f"The {params.format.upper()} of {v.sow.number} v{v.number} is {v.render_state}"
            + (f" ({v.render_error}); it is rendered again" if v.render_error else "")
            + "; ask again when the version's render_state is ready.",
            code=code,
            details={"state": v.render_state, "version_id": v.pk},
        )
    f = v.docx if params.format == "docx" else v.pdf
    with f.open("rb") as fh:
        data = fh.read()
    resp = HttpResponse(data, content_type=DOCX_MIME if params.format == "docx" else "application/pdf")
    resp["Content-Disposition"] = f'attachment; filename="{v.sow.number}-v{v.number}.{params.format}"'
    resp["X-Content-SHA256"] = v.docx_sha256 if params.format == "docx" else v.pdf_sha256
    return resp


@router.get("/sows/versions/{version_id}/fragments", response={200: None, **errors(401, 403, 404, 422)})
def fragments(request: AuthedRequest, version_id: int) -> Any:
    """Customer paper: a zip of DOCX fragments per section + plain text, for the approved version."""
    permission_require(request.user, VIEW)
    v = selectors.version_get(user=request.user, version_id=version_id)
    resp = HttpResponse(selectors.fragments_export(version=v), content_type="application/zip")
    resp["Content-Disposition"] = f'attachment; filename="{v.sow.number}-v{v.number}-fragments.zip"'
    return resp


@router.put("/sows/{sow_id}/milestones", response={200: SowVersionOut, **errors(400, 401, 403, 404, 409, 422)})
def edit_milestones(request: AuthedRequest, sow_id: int, payload: MilestonesIn) -> Any:
    return services.sow_milestones_edit(
        sow_id=sow_id, actor=request.user, milestones=[m.dict() for m in payload.milestones]
    )


@router.post("/sows/{sow_id}/review", response={200: SowOut, **errors(401, 403, 404, 409, 422)})
def review(request: AuthedRequest, sow_id: int, payload: NoteIn) -> Any:
    """Record that the account team and the customer reviewed the current version."""
    services.sow_review_record(sow_id=sow_id, actor=request.user, note=payload.note)
    return selectors.sow_get(user=request.user, sow_id=sow_id)


@router.post("/sows/{sow_id}/markups", response={201: MarkupOut, **errors(400, 401, 403, 404, 409, 422)})
def upload_markup(request: AuthedRequest, sow_id: int, file: File[UploadedFile]) -> Any:
    """Upload the customer's marked-up DOCX (multipart field `file`)."""
    data = _read(file, selectors.policy_get().upload_max_bytes)
    m = services.markup_upload(sow_id=sow_id, actor=request.user, filename=file.name or "", data=data)
    return Status(201, m)


@router.get("/sows/{sow_id}/markups", response={200: list[MarkupOut], **errors(401, 403, 404)})
def list_markups(request: AuthedRequest, sow_id: int) -> Any:
    return selectors.markup_list(sow=_sow(request, sow_id))


def _markup_sow(request: AuthedRequest, markup_id: int) -> None:
    m = Markup.objects.filter(pk=markup_id, version__sow__in=Sow.objects.visible_to(request.user)).first()
    if m is None:
        raise NotFound(f"mark-up {markup_id} not found")


@router.post("/sows/markups/{markup_id}/accept", response={200: SowVersionOut, **errors(401, 403, 404, 409, 422)})
def accept_markup(request: AuthedRequest, markup_id: int) -> Any:
    _markup_sow(request, markup_id)
    return services.markup_accept(markup_id=markup_id, actor=request.user)


@router.post("/sows/markups/{markup_id}/reject", response={200: MarkupOut, **errors(401, 403, 404, 409, 422)})
def reject_markup(request: AuthedRequest, markup_id: int, payload: NoteIn) -> Any:
    _markup_sow(request, markup_id)
    return services.markup_reject(markup_id=markup_id, actor=request.user, note=payload.note)


@router.post("/sows/{sow_id}/stamp", response={201: LegalCaseOut, **errors(401, 403, 404, 409, 422)})
def stamp(request: AuthedRequest, sow_id: int, payload: StampIn) -> Any:
    """Legal stamp of the current version (409 when superseded or not yet Approved)."""
    _sow(request, sow_id)
    return Status(
        201, services.sow_stamp(sow_id=sow_id, version_id=payload.version_id, actor=request.user, note=payload.note)
    )


class ReleaseIn(Schema):
    signer_email: str = Field("", max_length=254)
    signer_name: str = Field("", max_length=200)


@router.post("/sows/{sow_id}/release", response={200: SowOut, **errors(401, 403, 404, 409, 422)})
def release(request: AuthedRequest, sow_id: int, payload: ReleaseIn) -> Any:
    """Release for signature: the PDF is emailed to the customer signer (given here, else the
    intake's "signer" contact; 422 when none). 409 before the legal stamp."""
    _sow(request, sow_id)
    services.sow_release(
        sow_id=sow_id, actor=request.user, signer_email=payload.signer_email, signer_name=payload.signer_name
    )
    return selectors.sow_get(user=request.user, sow_id=sow_id)


@router.post("/sows/{sow_id}/signatures/customer", response={201: SignatureOut, **errors(400, 401, 403, 404, 409, 422)})
def customer_signature(
    request: AuthedRequest,
    sow_id: int,
    signer: Form[SignerIn],
    signed_pdf: UploadedFile | None = File(None),  # noqa: B008
) -> Any:
    """The customer's signature (multipart: name, title, signed_on, optional `signed_pdf`, whose text
    must match the version's — 422 otherwise)."""
    _sow(request, sow_id)
    data = _read(signed_pdf, selectors.policy_get().upload_max_bytes) if signed_pdf is not None else None
    sig = services.sow_customer_sign(
        sow_id=sow_id,
        actor=request.user,
        name=signer.name,
        title=signer.title,
        signed_on=signer.signed_on,
        signed_pdf=data,
    )
    return Status(201, sig)


@router.post("/sows/{sow_id}/signatures/vendor", response={200: SowOut, **errors(401, 403, 404, 409, 422)})
def vendor_signature(request: AuthedRequest, sow_id: int, payload: SignerIn) -> Any:
    """The vendor countersignature: the SOW becomes executed (immutable)."""
    _sow(request, sow_id)
    services.sow_countersign(
        sow_id=sow_id, actor=request.user, name=payload.name, title=payload.title, signed_on=payload.signed_on
    )
    return selectors.sow_get(user=request.user, sow_id=sow_id)


@router.get("/sows/{sow_id}/legal-cases", response={200: list[LegalCaseOut], **errors(401, 403, 404)})
def legal_cases(request: AuthedRequest, sow_id: int) -> Any:
    return selectors.legal_case_list(sow=_sow(request, sow_id))


@router.get("/sows/{sow_id}/signatures", response={200: list[SignatureOut], **errors(401, 403, 404)})
def signatures(request: AuthedRequest, sow_id: int) -> Any:
    return list(_sow(request, sow_id).signatures.all())


@router.post(
    "/sows/{sow_id}/billable-events", response={201: list[BillableEventOut], **errors(401, 403, 404, 409, 422)}
)
def split(request: AuthedRequest, sow_id: int, payload: EventsIn) -> Any:
    """Split into one opportunity per billable event; amounts must sum to the SOW total."""
    _sow(request, sow_id)
    events = services.sow_split_billable_events(
        sow_id=sow_id, actor=request.user, events=[e.dict() for e in payload.events]
    )
    return Status(201, events)
