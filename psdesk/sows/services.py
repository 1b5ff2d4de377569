"""SOW writes: generation (a new immutable version each time), milestone edits, the account-team
review, customer mark-up (upload, accept, reject), the legal stamp, release for signature,
signatures, billable-event opportunities, and the customer-paper export.

Every write is one transaction with its audit row; files are written through Django storage before
the rows that name them (a refused or failed write leaves at most an unreferenced file, never a row
without its file). Status moves go through `transition_apply` with `SOW_WORKFLOW`.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied, transition_apply
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.engagements.choices import EngagementStatus
from psdesk.engagements.models import Engagement
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.selectors import agreed_version
from psdesk.sows import document as doc
from psdesk.sows import markup as mk
from psdesk.sows import rendering
from psdesk.sows.choices import (
    EDUCATION_ROLES,
    EDUCATION_SERVICE_TYPES,
    BillingTerms,
    MarkupStatus,
    Party,
    SowStatus,
    TermsKind,
    VersionSource,
)
from psdesk.sows.models import BillableEvent, DocxTemplate, LegalCase, Markup, Signature, Sow, SowVersion
from psdesk.sows.selectors import clause_texts, is_superseded, policy_get
from psdesk.sows.workflow import SOW_WORKFLOW

EDIT = "sows.edit_sow"
FROZEN_STATES = (EngagementStatus.APPROVED, EngagementStatus.CLOSED_WON, EngagementStatus.CLOSED_LOST)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _notify(*, sow: Sow, event: str, actor: Actor, context: dict[str, Any]) -> None:
    """Notify the EM and the account team (opportunity owner) about a SOW event, except the actor."""
    from psdesk.notifications.services import notify

    eng = sow.engagement
    people = [eng.em, eng.opportunity.owner if eng.opportunity_id and eng.opportunity else None]
    recipients = [p for p in people if p is not None and getattr(actor, "pk", None) != p.pk]
    notify(event=event, target=eng, actor=actor, context=context, recipients=recipients, account=eng.account)


def _editable(sow: Sow) -> None:
    """Content changes only while the SOW is a draft; an executed SOW is immutable."""
    if sow.status == SowStatus.EXECUTED:
        raise Conflict("An executed SOW is immutable.", code="sow_executed")
    if sow.status != SowStatus.DRAFT:
        raise Conflict(
            f"The SOW is {sow.get_status_display().lower()}; its content can no longer change.", code="sow_locked"
        )
    if sow.engagement.state in FROZEN_STATES:
        # What Legal stamps must be what PS Leadership and Revenue approved: no new version after Approved.
        raise Conflict(
            "The SOW is approved; its content is frozen for the legal stamp and signatures.", code="sow_locked"
        )


def _activities(ev: EstimateVersion) -> list[doc.Activity]:
    return [
        doc.Activity(
            activity=ln.activity,
            description=ln.description,
            role=ln.role,
            hours=ln.hours,
            delivery=ln.get_delivery_display(),
            price=ln.price,
            education=ln.role in EDUCATION_ROLES or ln.service_type.lower() in EDUCATION_SERVICE_TYPES,
            group=ln.service_type,
        )
        for ln in ev.lines.order_by("position")
    ]


def _docx_template() -> bytes | None:
    t = DocxTemplate.objects.filter(active=True).first()
    if t is None:
        return None
    with t.file.open("rb") as fh:
        return bytes(fh.read())


@dataclass(frozen=True)
class Rendered:
    content: dict[str, Any]
    content_hash: str
    docx: bytes
    pdf: bytes
    html: str


def render(content: dict[str, Any]) -> Rendered:
    """Both renderings of one content (pure apart from the template lookup)."""
    secs = doc.sections(content)
    template = _docx_template()
    try:
        docx = rendering.render_docx(content, secs, template=template)
    except Exception as exc:  # an admin-uploaded template docxtpl cannot render (bad Jinja, not a DOCX)
        if template is None:
            raise
        raise ValidationFailed(
            f"The uploaded DOCX template cannot be rendered ({type(exc).__name__}: {exc}); fix or deactivate it.",
            code="bad_template",
        ) from None
    html = rendering.render_html(content, secs)
    pdf = rendering.render_pdf(html)
    return Rendered(content=content, content_hash=doc.content_hash(content), docx=docx, pdf=pdf, html=html)


def _build(
    *, sow: Sow, ev: EstimateVersion, milestones: Sequence[dict[str, Any]] | None, billing_terms: str
) -> tuple[dict[str, Any], str, str]:
    eng = sow.engagement
    today = clock.today()
    msa = eng.account.msa_on(today)
    terms_kind = TermsKind.MSA if msa is not None else TermsKind.STANDARD
    policy = policy_get()
    acts = _activities(ev)
    if not any(not a.education for a in acts) and not acts:
        raise ValidationFailed("The agreed estimate version has no lines to put in a SOW.")
    ms = list(milestones) if milestones is not None else doc.default_milestones(acts)
    texts = clause_texts()
    try:
        content = doc.build_content(
            number=sow.number,
            title=eng.title,
            date=today.isoformat(),
            customer=eng.account.name,
            vendor=policy.vendor_name,
            vendor_signer_title=policy.vendor_signer_title,
            currency=ev.currency,
            pricing_model=ev.pricing_model,
            terms_kind=terms_kind,
            msa_reference=msa.reference if msa else "",
            activities=acts,
            milestones=ms,
            clauses={k: t for k, (t, _) in texts.items()},
            clause_versions={k: v for k, (_, v) in texts.items()},
            billing_terms=billing_terms,
            objectives_extra=eng.description,
            assumptions_extra=ev.assumptions,
            out_of_scope_extra=ev.out_of_scope,
            values={
                "passive_days": str(policy.passive_acceptance_business_days),
                "min_hours": str(policy.minimum_hours_per_week),
                "validity_days": str(policy.validity_days),
                "engagement": eng.title,
            },
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"field": "milestones"}) from None
    return content, terms_kind, (msa.reference if msa else "")


def _store_version(
    *,
    sow: Sow,
    ev: EstimateVersion,
    content: dict[str, Any],
    terms_kind: str,
    msa_reference: str,
    source: str,
    actor: Actor,
) -> SowVersion:
    r = render(content)
    last = sow.versions.order_by("-number").first()
    number = (last.number if last else 0) + 1
    v = SowVersion(
        sow=sow,
        number=number,
        estimate_version=ev,
        source=source,
        terms_kind=terms_kind,
        msa_reference=msa_reference,
        content=content,
        content_hash=r.content_hash,
        total=Decimal(content["fees"]["total"]),
        currency=content["currency"],
        docx_sha256=_sha(r.docx),
        pdf_sha256=_sha(r.pdf),
        created_by=actor,
        created_at=clock.now(),
    )
    base = f"sows/{sow.pk}/{sow.number}-v{number}"
    v.docx.save(f"{base}.docx", ContentFile(r.docx), save=False)
    v.pdf.save(f"{base}.pdf", ContentFile(r.pdf), save=False)
    v.save()
    Sow.objects.filter(pk=sow.pk).update(current=v, version=sow.version + 1)
    sow.current, sow.version = v, sow.version + 1
    audit_record(
        verb=f"sows.version_{source}",
        actor=actor,
        target=sow,
        after={
            "version": number,
            "estimate_version": ev.number,
            "terms": terms_kind,
            "msa": msa_reference,
            "total": content["fees"]["total"],
            "content_hash": r.content_hash,
            "docx_sha256": v.docx_sha256,
            "pdf_sha256": v.pdf_sha256,
        },
    )
    Engagement.objects.filter(pk=sow.engagement_id).update(last_activity_at=clock.now())
    return v


def _locked_sow(*, actor: Actor, sow_id: int) -> Sow:
    sow = (
        Sow.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("engagement", "engagement__account", "current")
        .filter(pk=sow_id)
        .first()
    )
    if sow is None:
        raise NotFound(f"SOW {sow_id} not found")
    return sow


def sow_generate(
    *,
    engagement_id: int,
    actor: Actor,
    estimate_version_id: int | None = None,
    billing_terms: str | None = None,
) -> SowVersion:
    """Generate the next SOW version from the estimate version the customer agreed to.

    Governing terms: the account's MSA in force today, else the standard terms. Milestones: kept from
    the current version when it was made from the same estimate version, else one per service type.
    Refuses (ValidationFailed) when no version was agreed or `estimate_version_id` is not the agreed one;
    Conflict when the SOW is past draft (executed: immutable). Audited `sows.version_generated`.
    """
    permission_require(actor, EDIT)
    if billing_terms is not None and billing_terms not in BillingTerms.values:
        raise ValidationFailed(f"Unknown billing terms '{billing_terms}'.", details={"field": "billing_terms"})
    with transaction.atomic():
        eng = Engagement.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=engagement_id).first()
        if eng is None:
            raise NotFound(f"engagement {engagement_id} not found")
        agreed = agreed_version(eng)
        if agreed is None:
            raise ValidationFailed(
                "The customer has not agreed to an estimate version; a SOW is generated only from the agreed version.",
                code="estimate_not_agreed",
            )
        if estimate_version_id is not None and estimate_version_id != agreed.pk:
            raise ValidationFailed(
                f"Estimate version {estimate_version_id} is not the version the customer agreed to (v{agreed.number}).",
                code="estimate_not_agreed",
            )
        sow, _ = Sow.objects.get_or_create(engagement=eng, defaults={"created_at": clock.now()})
        sow = _locked_sow(actor=actor, sow_id=sow.pk)
        _editable(sow)
        if billing_terms is not None and billing_terms != sow.billing_terms:
            Sow.objects.filter(pk=sow.pk).update(billing_terms=billing_terms)
            sow.billing_terms = billing_terms
        milestones = None
        cur = sow.current
        if cur is not None and cur.estimate_version_id == agreed.pk:
            milestones = [{"name": m["name"], "lines": m["lines"]} for m in cur.content["milestones"]]
        content, terms_kind, msa_ref = _build(
            sow=sow, ev=agreed, milestones=milestones, billing_terms=sow.billing_terms
        )
        return _store_version(
            sow=sow,
            ev=agreed,
            content=content,
            terms_kind=terms_kind,
            msa_reference=msa_ref,
            source=VersionSource.GENERATED,
            actor=actor,
        )


def sow_milestones_edit(*, sow_id: int, actor: Actor, milestones: Sequence[dict[str, Any]]) -> SowVersion:
    """A new version with the activities regrouped: `milestones` = [{"name", "lines": [line indices]}],
    every services line in exactly one milestone (ValidationFailed otherwise). Clause edits carried
    over from the current version. Audited `sows.version_milestones`."""
    permission_require(actor, EDIT)
    cleaned = []
    for m in milestones:
        name = str(m.get("name", "")).strip()
        if not name or len(name) > 200:
            raise ValidationFailed("Each milestone needs a name (at most 200 characters).", details={"field": "name"})
        try:
            lines = [int(i) for i in m.get("lines", [])]
        except (TypeError, ValueError):
            raise ValidationFailed("Milestone lines are line numbers.", details={"field": "lines"}) from None
        cleaned.append({"name": name, "lines": lines})
    with transaction.atomic():
        sow = _locked_sow(actor=actor, sow_id=sow_id)
        _editable(sow)
        cur = sow.current
        if cur is None:
            raise ValidationFailed("Generate the SOW first.")
        content, terms_kind, msa_ref = _build(
            sow=sow, ev=cur.estimate_version, milestones=cleaned, billing_terms=sow.billing_terms
        )
        content = doc.with_clauses(content, {k: cur.content["clauses"][k] for k in doc.EDITABLE_CLAUSES})
        return _store_version(
            sow=sow,
            ev=cur.estimate_version,
            content=content,
            terms_kind=terms_kind,
            msa_reference=msa_ref,
            source=VersionSource.MILESTONES,
            actor=actor,
        )


def sow_review_record(*, sow_id: int, actor: Actor, note: str = "") -> Sow:
    """Record that the account team and the customer reviewed the current version (a guard of
    SOW WIP → Ready For Approval). Audited `sows.reviewed`."""
    permission_require(actor, EDIT)
    with transaction.atomic():
        sow = _locked_sow(actor=actor, sow_id=sow_id)
        _editable(sow)
        if sow.current is None:
            raise ValidationFailed("Generate the SOW first.")
        now = clock.now()
        Sow.objects.filter(pk=sow.pk).update(reviewed_version=sow.current, reviewed_by=actor, reviewed_at=now)
        sow.reviewed_version, sow.reviewed_by, sow.reviewed_at = sow.current, actor, now
        audit_record(
            verb="sows.reviewed", actor=actor, target=sow, after={"version": sow.current.number}, reason=note[:2000]
        )
        return sow


# --- customer mark-up ---------------------------------------------------------------------------


def _limits() -> mk.Limits:
    p = policy_get()
    return mk.Limits(
        max_bytes=p.upload_max_bytes, max_uncompressed=p.upload_max_uncompressed_bytes, max_ratio=p.upload_max_ratio
    )


def markup_upload(*, sow_id: int, actor: Actor, filename: str, data: bytes) -> Markup:
    """Store a DOCX the customer returned for the current version and list its tracked changes and
    comments per section. Refused (ValidationFailed, nothing written) when it is not a real DOCX, is
    too large, carries macros or looks like a zip bomb. Audited `sows.markup_uploaded`."""
    permission_require(actor, EDIT)
    if not filename.lower().endswith(".docx"):
        raise ValidationFailed("Upload the customer's mark-up as a .docx file.", code="bad_upload")
    limits = _limits()
    try:
        zf = mk.validate_docx(data, limits)
    except mk.MarkupError as exc:
        raise ValidationFailed(str(exc), code="bad_upload") from None
    with transaction.atomic():
        sow = _locked_sow(actor=actor, sow_id=sow_id)
        _editable(sow)
        cur = sow.current
        if cur is None:
            raise ValidationFailed("Generate the SOW first.")
        headings = [s.heading for s in doc.sections(cur.content)]
        try:
            changes = mk.read_changes(zf, headings, limits)
        except mk.MarkupError as exc:
            raise ValidationFailed(str(exc), code="bad_upload") from None
        m = Markup(
            version=cur,
            sha256=_sha(data),
            changes=[c.as_dict() for c in changes],
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        m.file.save(f"sows/{sow.pk}/markup-v{cur.number}.docx", ContentFile(data), save=False)
        m.save()
        counts = {
            "insertions": sum(len(c.insertions) for c in changes),
            "deletions": sum(len(c.deletions) for c in changes),
            "comments": sum(len(c.comments) for c in changes),
        }
        audit_record(
            verb="sows.markup_uploaded",
            actor=actor,
            target=sow,
            after={"version": cur.number, "sha256": m.sha256, **counts},
        )
        return m


def _locked_markup(*, actor: Actor, markup_id: int) -> tuple[Markup, Sow]:
    m = Markup.objects.select_related("version").filter(pk=markup_id).first()
    if m is None:
        raise NotFound(f"mark-up {markup_id} not found")
    sow = _locked_sow(actor=actor, sow_id=m.version.sow_id)
    m = Markup.objects.select_for_update(of=("self",)).select_related("version").get(pk=markup_id)
    if m.status != MarkupStatus.PENDING:
        raise Conflict(f"This mark-up was already {m.get_status_display().lower()}.", code="markup_decided")
    return m, sow


def markup_accept(*, markup_id: int, actor: Actor) -> SowVersion:
    """Accept a mark-up: a new version whose editable clauses carry the customer's accepted text
    (insertions kept, deletions dropped). Only for a mark-up of the current version (Conflict otherwise).
    Audited `sows.version_markup` and `sows.markup_accepted`."""
    permission_require(actor, EDIT)
    with transaction.atomic():
        m, sow = _locked_markup(actor=actor, markup_id=markup_id)
        _editable(sow)
        if sow.current_id != m.version_id:
            raise Conflict("The mark-up was made on an older version; ask the customer to mark up the current one.")
        cur = m.version
        by_heading = {c["heading"]: c for c in m.changes}
        edits: dict[str, list[str]] = {}
        for s in doc.sections(cur.content):
            if s.key in doc.EDITABLE_CLAUSES and s.heading in by_heading:
                c = by_heading[s.heading]
                if c["insertions"] or c["deletions"]:
                    edits[s.key] = c["accepted_paragraphs"]
        content = doc.with_clauses(cur.content, edits)
        v = _store_version(
            sow=sow,
            ev=cur.estimate_version,
            content=content,
            terms_kind=cur.terms_kind,
            msa_reference=cur.msa_reference,
            source=VersionSource.MARKUP,
            actor=actor,
        )
        now = clock.now()
        Markup.objects.filter(pk=m.pk).update(
            status=MarkupStatus.ACCEPTED, result_version=v, decided_by=actor, decided_at=now
        )
        audit_record(
            verb="sows.markup_accepted",
            actor=actor,
            target=sow,
            after={"markup": m.pk, "version": v.number, "clauses": sorted(edits)},
        )
        return v


def markup_reject(*, markup_id: int, actor: Actor, note: str) -> Markup:
    """Reject a mark-up with a note (required). Audited `sows.markup_rejected`."""
    permission_require(actor, EDIT)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why the mark-up is rejected.", details={"field": "note"})
    with transaction.atomic():
        m, sow = _locked_markup(actor=actor, markup_id=markup_id)
        now = clock.now()
        Markup.objects.filter(pk=m.pk).update(
            status=MarkupStatus.REJECTED, note=note[:5000], decided_by=actor, decided_at=now
        )
        m.refresh_from_db()
        audit_record(verb="sows.markup_rejected", actor=actor, target=sow, after={"markup": m.pk}, reason=note[:2000])
        return m


# --- after approval -------------------------------------------------------------------------------


def _move(*, sow_id: int, action: str, actor: Actor, before_save: Any = None, after: Any = ()) -> Applied:
    return transition_apply(
        workflow=SOW_WORKFLOW,
        queryset=Sow.objects.visible_to(actor).select_related(
            "engagement", "engagement__account", "engagement__em", "engagement__opportunity", "current"
        ),
        pk=sow_id,
        action=action,
        actor=actor,
        before_save=before_save,
        after=after,
    )


def sow_stamp(*, sow_id: int, version_id: int, actor: Actor, note: str = "") -> LegalCase:
    """Legal stamps one version: a LegalCase (reviewer, time, hash). Only the current version (a
    superseded one is refused, Conflict) of a SOW whose engagement is Approved (TransitionNotAllowed).
    Audited `sows.stamp` (the move) and `sows.legal_case_opened`."""
    with transaction.atomic():
        sow = _locked_sow(actor=actor, sow_id=sow_id)
        v = SowVersion.objects.filter(pk=version_id, sow=sow).first()
        if v is None:
            raise NotFound(f"SOW version {version_id} not found on {sow.number}")
        if is_superseded(v) or sow.current_id != v.pk:
            raise Conflict(f"Version {v.number} is superseded; stamp the current version.", code="superseded")
        cases: list[LegalCase] = []

        def open_case(applied: Applied, ctx: MoveContext) -> None:
            case = LegalCase.objects.create(
                sow=sow,
                version=v,
                reviewer=actor,
                content_hash=v.content_hash,
                note=note[:5000],
                stamped_at=clock.now(),
            )
            audit_record(
                verb="sows.legal_case_opened",
                actor=actor,
                target=sow,
                after={"version": v.number, "content_hash": v.content_hash},
            )
            cases.append(case)

        _move(sow_id=sow.pk, action="stamp", actor=actor, after=[open_case])
        return cases[0]


def customer_signer_of(sow: Sow) -> tuple[str, str]:
    """(name, email) of the customer's signer from the scheduling intake's contacts (role "signer")."""
    intake = getattr(sow.engagement, "scheduling_intake", None)
    for c in (intake.contacts if intake is not None else []) or []:
        if str(c.get("role", "")).lower() == "signer" and c.get("email"):
            return str(c.get("name", "")), str(c["email"])
    return "", ""


def sow_release(*, sow_id: int, actor: Actor, signer_email: str = "", signer_name: str = "") -> Sow:
    """Release the stamped version for signature (only after the stamp): the PDF goes to the
    customer signer by email (through the outbox, CC the EM) — the signer named here, else the
    scheduling intake's "signer" contact — and the EM and account team are notified with the PDF's
    hash. Raises ValidationFailed when no valid signer email is known. Audited `sows.release`."""
    import base64

    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from psdesk.notifications.services import outbox_enqueue

    with transaction.atomic():
        sow_row = Sow.objects.select_related("engagement__em").filter(pk=sow_id).first()
        if sow_row is not None and not signer_email:
            signer_name, signer_email = customer_signer_of(sow_row)
        signer_email = signer_email.strip().lower()
        try:
            validate_email(signer_email)
        except ValidationError:
            raise ValidationFailed(
                "Name the customer signer: give their email, or add a contact with role 'signer' to the "
                "scheduling intake.",
                details={"field": "signer_email"},
            ) from None
        now = clock.now()
        applied = _move(sow_id=sow_id, action="release", actor=actor, before_save=lambda *a: {"released_at": now})
        sow: Sow = applied.obj
        assert sow.current is not None
        version = sow.current
        with version.pdf.open("rb") as fh:
            pdf = base64.b64encode(fh.read()).decode()
        em = sow.engagement.em
        outbox_enqueue(
            target="email",
            operation="send",
            destination=signer_email,
            event="sow.released",
            payload={
                "to": [signer_email],
                "cc": [em.email] if em is not None and em.email else [],
                "subject": f"Statement of Work {sow.number} for signature",
                "body": (
                    f"Dear {signer_name or 'customer'},\n\nPlease find attached Statement of Work {sow.number} "
                    f"(version {version.number}) for signature.\nSHA-256 of the PDF: {version.pdf_sha256}\n"
                ),
                "attachments": [
                    {
                        "filename": f"{sow.number}-v{version.number}.pdf",
                        "mimetype": "application/pdf",
                        "content_b64": pdf,
                    }
                ],
            },
            source=sow,
            pubsec=sow.engagement.account.us_public_sector,
            idempotency_key=f"sow:{sow.pk}:release:v{version.number}",
        )
        _notify(
            sow=sow,
            event="sow.released",
            actor=actor,
            context={"sow": sow.number, "version": version.number, "pdf_sha256": version.pdf_sha256},
        )
        return sow


def _clean_signer(name: str, title: str, signed_on: date | None) -> tuple[str, str, date]:
    name, title = (name or "").strip(), (title or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("The signer's name is required (at most 200 characters).", details={"field": "name"})
    if not title or len(title) > 200:
        raise ValidationFailed("The signer's title is required (at most 200 characters).", details={"field": "title"})
    day = signed_on or clock.today()
    if day > clock.today():
        raise ValidationFailed("The signature date cannot be in the future.", details={"field": "signed_on"})
    return name, title, day


def signed_pdf_check(version: SowVersion, data: bytes) -> None:
    """Refuse (ValidationFailed) a signed PDF whose text differs from the version's text in any
    section other than the signature blocks (where the signatures are)."""
    if len(data) > policy_get().upload_max_bytes:
        raise ValidationFailed("The signed PDF is larger than the upload limit.", code="bad_upload")
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed("The signed copy must be a PDF file.", code="bad_upload")
    try:
        got = rendering.pdf_text(data)
    except rendering.PdfTextError as exc:
        raise ValidationFailed(f"The signed PDF cannot be read: {exc}", code="bad_upload") from None
    with version.pdf.open("rb") as fh:
        expected = rendering.pdf_text(fh.read())
    secs = doc.sections(version.content)
    heads = [s.heading for s in secs]
    a, b = doc.split_by_headings(expected, heads), doc.split_by_headings(got, heads)
    differing = [h for h in heads if h != heads[-1] and a.get(h) != b.get(h)]
    if a.get("") != b.get(""):
        differing.insert(0, "title")
    if differing:
        raise ValidationFailed(
            f"The signed PDF differs from approved version {version.number} in: {', '.join(differing[:5])}.",
            code="signed_pdf_mismatch",
            details={"sections": differing},
        )


def _signature_hook(
    *, sow_id: int, party: str, name: str, title: str, day: date, actor: Actor, pdf: bytes | None
) -> Any:
    def hook(applied: Applied, ctx: MoveContext) -> None:
        sow: Sow = applied.obj
        assert sow.current is not None
        sig = Signature(
            sow=sow,
            version=sow.current,
            party=party,
            name=name,
            title=title,
            signed_on=day,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        if pdf is not None:
            sig.signed_pdf_sha256 = _sha(pdf)
            sig.signed_pdf.save(f"sows/{sow.pk}/signed-{party}-v{sow.current.number}.pdf", ContentFile(pdf), save=False)
        sig.save()
        audit_record(
            verb="sows.signature_recorded",
            actor=actor,
            target=sow,
            after={
                "party": party,
                "name": name,
                "title": title,
                "signed_on": day,
                "signed_pdf_sha256": sig.signed_pdf_sha256,
            },
        )

    return hook


def sow_customer_sign(
    *,
    sow_id: int,
    actor: Actor,
    name: str,
    title: str,
    signed_on: date | None = None,
    signed_pdf: bytes | None = None,
) -> Signature:
    """Record the customer's signature on the released version (name, title, date), optionally with the
    signed PDF, whose text must match the version's (ValidationFailed otherwise, nothing written)."""
    name, title, day = _clean_signer(name, title, signed_on)
    with transaction.atomic():
        sow = _locked_sow(actor=actor, sow_id=sow_id)
        if signed_pdf is not None and sow.current is not None:
            signed_pdf_check(sow.current, signed_pdf)
        hook = _signature_hook(
            sow_id=sow_id, party=Party.CUSTOMER, name=name, title=title, day=day, actor=actor, pdf=signed_pdf
        )
        applied = _move(sow_id=sow_id, action="customer_sign", actor=actor, after=[hook])
        _notify(sow=applied.obj, event="sow.signed", actor=actor, context={"sow": sow.number, "signer": name})
        return Signature.objects.get(sow_id=sow_id, party=Party.CUSTOMER)


def sow_countersign(
    *, sow_id: int, actor: Actor, name: str = "", title: str = "", signed_on: date | None = None
) -> Sow:
    """The vendor countersignature: the SOW is executed and immutable from now on. Audited
    `sows.countersign`; notifies `sow.executed`."""
    policy = policy_get()
    name = name or (actor.get_full_name() or actor.get_username() if actor else "")
    name, title, day = _clean_signer(name, title or policy.vendor_signer_title, signed_on)
    with transaction.atomic():
        now = clock.now()
        hook = _signature_hook(
            sow_id=sow_id, party=Party.VENDOR, name=name, title=title, day=day, actor=actor, pdf=None
        )
        applied = _move(
            sow_id=sow_id, action="countersign", actor=actor, before_save=lambda *a: {"executed_at": now}, after=[hook]
        )
        sow: Sow = applied.obj
        _notify(sow=sow, event="sow.executed", actor=actor, context={"sow": sow.number})
        return sow


# --- billable events and customer paper ---------------------------------------------------------


def sow_split_billable_events(*, sow_id: int, actor: Actor, events: Sequence[dict[str, Any]]) -> list[BillableEvent]:
    """One opportunity per billable event (ps-process §4.7): the engagement's opportunity books the first
    event (its amount is set to it), each further event gets a new PS-only opportunity under the same
    parent. Amounts must be positive and sum exactly to the SOW total. Audited `sows.split`."""
    from psdesk.crm.services import opportunity_create, opportunity_update

    permission_require(actor, "sows.split_sow")
    if len(events) < 2:
        raise ValidationFailed("Splitting needs at least two billable events.", details={"field": "events"})
    cleaned: list[tuple[str, Decimal, date | None]] = []
    for i, e in enumerate(events):
        label = str(e.get("label", "")).strip()[:200]
        try:
            amount = Decimal(str(e.get("amount")))
        except (InvalidOperation, TypeError):
            raise ValidationFailed(f"Event {i + 1}: the amount is not a number.", details={"index": i}) from None
        if not label or not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValidationFailed(f"Event {i + 1} needs a label and a positive amount in cents.", details={"index": i})
        bill_on = e.get("bill_on")
        cleaned.append((label, amount, date.fromisoformat(str(bill_on)) if bill_on else None))
    with transaction.atomic():
        sow = _locked_sow(actor=actor, sow_id=sow_id)
        if sow.current is None:
            raise ValidationFailed("Generate the SOW first.")
        if sow.billable_events.exists():
            raise Conflict("This SOW is already split into billable events.")
        total = sow.current.total
        if sum(a for _, a, _ in cleaned) != total:
            raise ValidationFailed(
                f"The events sum to {sum(a for _, a, _ in cleaned):,.2f}; they must sum to the SOW total {total:,.2f}.",
                details={"total": str(total)},
            )
        opp = sow.engagement.opportunity
        if opp is None:
            raise ValidationFailed("Link the engagement's opportunity before splitting.")
        out: list[BillableEvent] = []
        for i, (label, amount, bill_on) in enumerate(cleaned):
            if i == 0:
                opportunity_update(opportunity_id=opp.pk, actor=actor, changes={"amount": amount})
                target = opp
            else:
                target = opportunity_create(
                    actor=actor,
                    account=opp.account,
                    record_type=opp.record_type,
                    parent=opp.parent,
                    name=f"{opp.name} - {label}"[:255],
                    owner=opp.owner,
                    close_date=bill_on or opp.close_date,
                    amount=amount,
                    currency=opp.currency,
                    engagement_manager=opp.engagement_manager,
                    stage=opp.stage,
                )
            out.append(
                BillableEvent.objects.create(sow=sow, label=label, amount=amount, bill_on=bill_on, opportunity=target)
            )
        audit_record(
            verb="sows.split",
            actor=actor,
            target=sow,
            after={"events": [{"label": e.label, "amount": e.amount, "opportunity": e.opportunity_id} for e in out]},
        )
        return out


def fragments_export(*, version: SowVersion) -> bytes:
    """Customer paper: a zip with one DOCX fragment per section, all sections as plain text, and a
    manifest naming the approved version and its hash. Only for the current version of an approved
    SOW (ValidationFailed otherwise)."""
    from docx import Document

    sow = version.sow
    if sow.current_id != version.pk:
        raise ValidationFailed("Fragments are exported from the current (approved) version only.")
    if sow.engagement.state not in (EngagementStatus.APPROVED, EngagementStatus.CLOSED_WON):
        raise ValidationFailed("Customer-paper fragments are exported once the SOW is Approved.")
    secs = doc.sections(version.content)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, s in enumerate(secs, 1):
            d = Document()
            d.add_heading(s.heading, level=s.level)
            for t in s.paragraphs:
                d.add_paragraph(t)
            if s.rows:
                table = d.add_table(rows=0, cols=3)
                for r in s.rows:
                    cells = table.add_row().cells
                    for j in range(3):
                        cells[j].text = r[j]
            for t in s.after:
                d.add_paragraph(t)
            part = io.BytesIO()
            d.save(part)
            zf.writestr(f"{i:02d}-{s.key}.docx", part.getvalue())
        zf.writestr("sections.txt", doc.plain_text(secs))
        zf.writestr(
            "MANIFEST.txt",
            f"{sow.number} version {version.number}\ncontent_hash {version.content_hash}\n"
            f"docx_sha256 {version.docx_sha256}\npdf_sha256 {version.pdf_sha256}\n",
        )
    return buf.getvalue()
