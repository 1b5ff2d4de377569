"""After approval: the legal stamp, release for signature, the customer's signature and the vendor's
countersignature. Each is one `SOW_WORKFLOW` move (guards, audit row) with its own records."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.notifications.emails import email_render
from psdesk.notifications.services import outbox_enqueue
from psdesk.sows import document as doc
from psdesk.sows import rendering
from psdesk.sows.choices import Party
from psdesk.sows.models import LegalCase, Signature, Sow, SowVersion
from psdesk.sows.selectors import customer_signer_get, is_superseded, policy_get
from psdesk.sows.services.common import sha256_of, sow_lock, sow_move, sow_notify, sow_role_notify
from psdesk.sows.services.esign import executed_pdf_store, signature_request_issue, signing_url


def sow_stamp(*, sow_id: int, version_id: int, actor: Actor, note: str = "") -> LegalCase:
    """Legal stamps one version: a LegalCase with the reviewer, the time and the content hash.

    Only the current version of a SOW whose engagement is Approved. Side effects: the SOW moves to
    stamped, audited `sows.stamp` (the move) and `sows.legal_case_opened`. Raises NotFound (SOW or
    version), Conflict (a superseded version), TransitionNotAllowed (not Approved, no permission).
    """
    with transaction.atomic():
        sow = sow_lock(actor=actor, sow_id=sow_id)
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

        sow_move(sow_id=sow.pk, action="stamp", actor=actor, after=[open_case])
        return cases[0]


def _current_version(sow: Sow) -> SowVersion:
    if sow.current is None:  # the workflow's guards need a current version; this narrows the type
        raise ValidationFailed("Generate the SOW first.")
    return sow.current


def _signer_email_clean(signer_email: str) -> str:
    signer_email = signer_email.strip().lower()
    try:
        validate_email(signer_email)
    except ValidationError:
        raise ValidationFailed(
            "Name the customer signer: give their email, or add a contact with role 'signer' to the scheduling intake.",
            details={"field": "signer_email"},
        ) from None
    return signer_email


def _release_email_enqueue(
    *, sow: Sow, version: SowVersion, signer_email: str, signer_name: str, link: str, expires: str
) -> None:
    with version.pdf.open("rb") as fh:
        pdf = base64.b64encode(fh.read()).decode()
    em = sow.engagement.em
    profile = vendor_profile_get()
    vendor = profile.legal_name
    email = email_render(
        name="sow_released",
        subject=f"Statement of Work {sow.number} for signature",
        context={
            "brand": profile.brand_name,
            "vendor": vendor,
            "signer_name": signer_name,
            "sow": sow.number,
            "version": version.number,
            "account": sow.engagement.account.name,
            "pdf_sha256": version.pdf_sha256,
            "em_name": (em.get_full_name() or em.get_username()) if em is not None else "",
            "url": link,
            "link_label": "Review and sign",
            "expires": expires,
        },
    )
    outbox_enqueue(
        target="email",
        operation="send",
        destination=signer_email,
        event="sow.released",
        payload={
            "to": [signer_email],
            "cc": [em.email] if em is not None and em.email else [],
            **email.payload(),
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


def sow_release(*, sow_id: int, actor: Actor, signer_email: str = "", signer_name: str = "") -> Sow:
    """Release the stamped version for signature.

    The signer is the one named here, else the scheduling intake's "signer" contact. Side effects: the
    SOW moves to released (`released_at` set), audited `sows.release`; a signing link (signed, expiring,
    single use; `sows.signature_requested`) and the PDF go to the signer by email through the outbox
    (CC the EM, one message per version); the EM and account team are
    notified `sow.released` with the PDF's hash. Raises ValidationFailed when no valid signer email is
    known, NotFound, TransitionNotAllowed (not stamped on the current version, no permission).
    """
    with transaction.atomic():
        sow_row = Sow.objects.select_related("engagement__em").filter(pk=sow_id).first()
        if sow_row is not None and not signer_email:
            signer_name, signer_email = customer_signer_get(sow=sow_row)
        signer_email = _signer_email_clean(signer_email)
        now = clock.now()
        applied = sow_move(sow_id=sow_id, action="release", actor=actor, before_save=lambda *a: {"released_at": now})
        sow: Sow = applied.obj
        version = _current_version(sow)
        req, token = signature_request_issue(
            sow=sow, version=version, signer_email=signer_email, signer_name=signer_name, actor=actor
        )
        _release_email_enqueue(
            sow=sow,
            version=version,
            signer_email=signer_email,
            signer_name=signer_name,
            link=signing_url(token),
            expires=f"{req.expires_at:%Y-%m-%d %H:%M} UTC",
        )
        sow_notify(
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


def _signed_pdf_check(version: SowVersion, data: bytes) -> None:
    """Refuse (ValidationFailed) a signed PDF whose text differs from the version's text in any
    section other than the signature blocks (where the signatures are)."""
    if len(data) > policy_get().upload_max_bytes:
        raise ValidationFailed("The signed PDF is larger than the upload limit.", code="bad_upload")
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed("The signed copy must be a PDF file.", code="bad_upload")
    try:
        got = rendering.pdf_body_text(rendering.pdf_text(data), version.content, version=version.number)
    except rendering.PdfTextError as exc:
        raise ValidationFailed(f"The signed PDF cannot be read: {exc}", code="bad_upload") from None
    with version.pdf.open("rb") as fh:
        expected = rendering.pdf_body_text(rendering.pdf_text(fh.read()), version.content, version=version.number)
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
    *, party: str, name: str, title: str, day: date, actor: Actor, pdf: bytes | None
) -> Callable[[Applied, MoveContext], None]:
    def hook(applied: Applied, ctx: MoveContext) -> None:
        sow: Sow = applied.obj
        version = _current_version(sow)
        sig = Signature(
            sow=sow,
            version=version,
            party=party,
            name=name,
            title=title,
            signed_on=day,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        if pdf is not None:
            sig.signed_pdf_sha256 = sha256_of(pdf)
            sig.signed_pdf.save(f"sows/{sow.pk}/signed-{party}-v{version.number}.pdf", ContentFile(pdf), save=False)
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
    """Record the customer's signature on the released version (name, title, date, optionally the
    signed PDF, whose text must match the version's outside the signature blocks).

    Side effects: the SOW moves to customer-signed, a Signature row (and the PDF in storage), audited
    `sows.customer_sign` and `sows.signature_recorded`, notifies `sow.signed` (EM, account team) and
    `sow.awaiting_countersignature` (the vendor signatories). Raises ValidationFailed
    (missing name or title, a future date, a mismatching PDF; nothing written), NotFound,
    TransitionNotAllowed (not released, no permission).
    """
    name, title, day = _clean_signer(name, title, signed_on)
    with transaction.atomic():
        sow = sow_lock(actor=actor, sow_id=sow_id)
        if signed_pdf is not None and sow.current is not None:
            _signed_pdf_check(sow.current, signed_pdf)
        hook = _signature_hook(party=Party.CUSTOMER, name=name, title=title, day=day, actor=actor, pdf=signed_pdf)
        applied = sow_move(sow_id=sow_id, action="customer_sign", actor=actor, after=[hook])
        sow_notify(sow=applied.obj, event="sow.signed", actor=actor, context={"sow": sow.number, "signer": name})
        sow_role_notify(
            sow=applied.obj,
            event="sow.awaiting_countersignature",
            permission="sows.countersign_sow",
            actor=actor,
            context={"signer": name},
        )
        return Signature.objects.get(sow_id=sow_id, party=Party.CUSTOMER)


def sow_countersign(
    *, sow_id: int, actor: Actor, name: str = "", title: str = "", signed_on: date | None = None
) -> Sow:
    """The vendor's countersignature: the SOW is executed and immutable from now on.

    Only the vendor profile's signatory (when one is named); name and title default to the profile's.
    Side effects: the SOW moves to executed (`executed_at` set), a vendor Signature row, the executed
    PDF (signed blocks, certificate page, PAdES seal) stored with its SHA-256, audited
    `sows.countersign`, `sows.signature_recorded` and `sows.executed_pdf_sealed`; notifies
    `sow.executed`. Raises ValidationFailed, NotFound, TransitionNotAllowed (not customer-signed, not
    the vendor signatory, no permission).
    """
    profile = vendor_profile_get()
    default_name = profile.signatory_name or (actor.get_full_name() or actor.get_username() if actor else "")
    name, title, day = _clean_signer(name or default_name, title or profile.signatory_title, signed_on)
    with transaction.atomic():
        now = clock.now()
        hook = _signature_hook(party=Party.VENDOR, name=name, title=title, day=day, actor=actor, pdf=None)

        def seal(applied: Applied, ctx: MoveContext) -> None:
            Signature.objects.filter(sow_id=sow_id, party=Party.VENDOR).update(
                email=getattr(actor, "email", "") or "", signed_at=now
            )
            executed_pdf_store(sow=applied.obj)

        applied = sow_move(
            sow_id=sow_id,
            action="countersign",
            actor=actor,
            before_save=lambda *a: {"executed_at": now},
            after=[hook, seal],
        )
        sow: Sow = applied.obj
        sow_notify(sow=sow, event="sow.executed", actor=actor, context={"sow": sow.number})
        return sow
