"""The e-signature of a change order, the SOW standard (docs/howto/delivery.md): the emailed signing
link (signed, expiring, single-use — the e-signature port, scope "change_order"), the customer's
signature or decline with a reason through it (evidence: name, email, time, IP, user agent,
SHA-256 of the exact PDF shown, consent), the vendor signatory's countersignature from My work,
and the executed PDF (signed blocks, a signature-certificate page, the vendor's PAdES seal).
Countersigning executes the change order: the project's budget, milestones and tasks and the
queue's remaining demand follow (`change_orders._execute_effects`). A decline changes nothing."""

from __future__ import annotations

import base64
import copy
import hashlib
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied
from psdesk.branding import rendering
from psdesk.branding.selectors import vendor_get, vendor_profile_get
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.delivery import change_order_document as cod
from psdesk.delivery.choices import ChangeOrderStatus
from psdesk.delivery.models import ChangeOrder, ChangeOrderSignature, ChangeOrderSignatureRequest
from psdesk.delivery.services.change_orders import (
    _execute_effects,
    _expired_refusal,
    _visible,
    change_order_transition,
)
from psdesk.delivery.services.milestones import signer_for
from psdesk.delivery.workflow import COUNTERSIGN
from psdesk.integrations.esign.port import EsignPort, LinkExpired, LinkInvalid, SealVerdict
from psdesk.integrations.registry import adapter_get
from psdesk.notifications.emails import email_render
from psdesk.notifications.links import site_url
from psdesk.notifications.services import notify, outbox_enqueue
from psdesk.sows.choices import Party, SignatureRequestStatus
from psdesk.sows.selectors import policy_get as sow_policy_get
from psdesk.sows.services.esign import Evidence  # the same signer evidence as a SOW signature

SCOPE = "change_order"
CONSENT_TEXT = (
    "I agree to sign this change order electronically and that my electronic signature is as binding "
    "as a handwritten one."
)
R = SignatureRequestStatus
C = ChangeOrderStatus


def esign() -> EsignPort:
    port: EsignPort = adapter_get("esign")
    return port


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def change_order_signing_url(token: str) -> str:
    return site_url(reverse("co_sign:show", args=[token]))


def co_signature_request_issue(
    *, co: ChangeOrder, signer_email: str, signer_name: str, actor: Actor
) -> tuple[ChangeOrderSignatureRequest, str]:
    """A new signing link for the customer's signer (earlier pending links are withdrawn), valid for
    the SOW policy's signing-link days. Inside the send's transaction. Returns the row and the token
    (never stored)."""
    lifetime = sow_policy_get().signing_link_days * 86400
    ChangeOrderSignatureRequest.objects.filter(change_order=co, status=R.PENDING).update(status=R.WITHDRAWN)
    req = ChangeOrderSignatureRequest.objects.create(
        change_order=co,
        signer_name=signer_name,
        signer_email=signer_email,
        nonce_sha256="pending-" + sha256_of(f"co:{co.pk}:{clock.now().isoformat()}".encode())[:50],
        pdf_sha256=co.pdf_sha256,
        expires_at=clock.now(),
        created_by=actor,
        created_at=clock.now(),
    )
    link = esign().scoped_link_issue(scope=SCOPE, request_id=req.pk, lifetime_seconds=lifetime)
    ChangeOrderSignatureRequest.objects.filter(pk=req.pk).update(
        nonce_sha256=link.nonce_sha256, expires_at=min(link.expires_at, co.expires_at)
    )
    req.nonce_sha256, req.expires_at = link.nonce_sha256, min(link.expires_at, co.expires_at)
    audit_record(
        verb="delivery.change_order_signature_requested",
        actor=actor,
        target=co,
        after={"signer_email": signer_email, "expires_at": req.expires_at, "pdf_sha256": co.pdf_sha256},
    )
    return req, link.token


def _claims(token: str) -> ChangeOrderSignatureRequest:
    try:
        claims = esign().scoped_link_read(token, scope=SCOPE)
    except LinkExpired as exc:
        raise Conflict(str(exc), code="link_expired") from None
    except LinkInvalid as exc:
        raise NotFound(str(exc)) from None
    req = (
        ChangeOrderSignatureRequest.objects.select_related("change_order__project__account")
        .filter(pk=claims.request_id, nonce_sha256=claims.nonce_sha256)
        .first()
    )
    if req is None:
        raise NotFound("This signing link is not valid.")
    return req


def co_signing_request_open(*, token: str) -> ChangeOrderSignatureRequest:
    """The pending request a change order's signing link names. Raises NotFound (not a link of ours),
    Conflict (expired, already used, declined, replaced by a newer link, or the change order is no
    longer waiting for the customer's signature)."""
    req = _claims(token)
    if req.status == R.SIGNED or (req.used_at is not None and req.status != R.DECLINED):
        raise Conflict("This signing link was already used; the change order is signed.", code="link_used")
    if req.status == R.DECLINED:
        raise Conflict("This change order was declined through this link.", code="link_used")
    if req.status == R.WITHDRAWN:
        raise Conflict("This signing link was replaced by a newer one; use the latest email.", code="link_withdrawn")
    if clock.now() > req.expires_at:
        raise Conflict("This signing link has expired; ask your contact for a new one.", code="link_expired")
    co = req.change_order
    if co.status != C.SENT or co.expires_at <= clock.now():
        raise Conflict("This change order is no longer waiting for your signature.", code="link_withdrawn")
    return req


def _locked(token: str) -> ChangeOrderSignatureRequest:
    req = co_signing_request_open(token=token)
    ChangeOrder.objects.select_for_update(of=("self",)).filter(pk=req.change_order_id).first()
    ChangeOrderSignatureRequest.objects.select_for_update().filter(pk=req.pk).first()
    return co_signing_request_open(token=token)  # re-read under the lock: a second submit sees it used


def _clean(name: str, title: str) -> tuple[str, str]:
    name, title = " ".join((name or "").split()), " ".join((title or "").split())
    if not name or len(name) > 200:
        raise ValidationFailed("Type your full name (at most 200 characters).", details={"field": "name"})
    if not title or len(title) > 200:
        raise ValidationFailed("Type your title (at most 200 characters).", details={"field": "title"})
    return name, title


def _holders(permission: str) -> list[User]:
    users = User.objects.with_perm(
        permission, include_superusers=False, backend="django.contrib.auth.backends.ModelBackend"
    )
    return list(users.order_by("username"))


def _em_recipients(co: ChangeOrder) -> list[User]:
    eng = co.project.engagement
    return [u for u in (eng.em if eng is not None else None, co.project.coordinator) if u is not None]


def change_order_sign_by_link(
    *, token: str, name: str, title: str, consent: bool, evidence: Evidence
) -> ChangeOrderSignature:
    """The customer signs the change order through the emailed link: a customer signature with the
    evidence, the request used, the change order customer-signed (waiting for the countersignature).

    Side effects: the `customer_sign_link` move, audited `delivery.change_order_signature_recorded`;
    notifies `change_order.signed` (EM, project manager) and `change_order.awaiting_countersignature`
    (the vendor signatories). Raises ValidationFailed (name, title or consent missing; nothing
    written), NotFound, Conflict (link expired or used, the change order or its PDF changed)."""
    name, title = _clean(name, title)
    if not consent:
        raise ValidationFailed("Tick the box to agree to sign electronically.", details={"field": "consent"})
    with transaction.atomic():
        req = _locked(token)
        co = req.change_order
        with co.pdf.open("rb") as fh:
            if sha256_of(fh.read()) != req.pdf_sha256:
                raise Conflict("The document changed since the link was sent.", code="pdf_changed")
        now = clock.now()
        ua = evidence.user_agent[:400]
        who = f"{name} <{req.signer_email}>"

        def record(applied: Applied, ctx: MoveContext) -> None:
            ChangeOrderSignature.objects.create(
                change_order=co,
                party=Party.CUSTOMER,
                name=name,
                title=title,
                email=req.signer_email,
                signed_on=clock.today(),
                signed_at=now,
                signed_pdf_sha256=req.pdf_sha256,
                ip_address=evidence.ip,
                user_agent=ua,
                consent=CONSENT_TEXT,
                by_link=True,
            )
            audit_record(
                verb="delivery.change_order_signature_recorded",
                actor=who,
                target=co,
                after={
                    "party": Party.CUSTOMER,
                    "name": name,
                    "title": title,
                    "email": req.signer_email,
                    "ip": evidence.ip,
                    "user_agent": ua,
                    "signed_pdf_sha256": req.pdf_sha256,
                    "consent": CONSENT_TEXT,
                },
            )

        applied = change_order_transition(
            change_order_id=co.pk,
            action="customer_sign_link",
            actor=None,
            system=True,
            reason=f"signed through the emailed link by {who}",
            before_save=lambda *a: {"signer_name": name, "signer_title": title, "signed_on": clock.today()},
            after=[record],
        )
        ChangeOrderSignatureRequest.objects.filter(pk=req.pk).update(
            status=R.SIGNED, used_at=now, ip_address=evidence.ip, user_agent=ua
        )
        co = applied.obj
        _signed_notify(co, name)
        return ChangeOrderSignature.objects.get(change_order=co, party=Party.CUSTOMER)


def _signed_notify(co: ChangeOrder, signer: str) -> None:
    project = co.project
    ctx = {"project": project.name, "signer": signer}
    notify(
        event="change_order.signed",
        target=co,
        actor=None,
        account=project.account,
        recipients=_em_recipients(co),
        context=ctx,
    )
    notify(
        event="change_order.awaiting_countersignature",
        target=co,
        actor=None,
        account=project.account,
        recipients=_holders(COUNTERSIGN),
        context=ctx,
        owners=False,
    )


def change_order_decline_by_link(*, token: str, reason: str, evidence: Evidence) -> ChangeOrder:
    """The customer declines the change order through the link, with a reason: it is Declined (closed;
    the EM makes a new one from a new estimate version), nothing on the project changes, the EM and
    the project manager are told `change_order.declined` with the reason.

    Raises ValidationFailed (no reason; nothing written), NotFound, Conflict (link expired or used)."""
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise ValidationFailed(
            "Say why you decline, so the team can change the change order.", details={"field": "reason"}
        )
    with transaction.atomic():
        req = _locked(token)
        applied = change_order_transition(
            change_order_id=req.change_order_id,
            action="customer_decline",
            actor=None,
            system=True,
            reason=f"{req.signer_email}: {reason}",
        )
        ChangeOrderSignatureRequest.objects.filter(pk=req.pk).update(
            status=R.DECLINED,
            used_at=clock.now(),
            decline_reason=reason,
            ip_address=evidence.ip,
            user_agent=evidence.user_agent[:400],
        )
        co: ChangeOrder = applied.obj
        notify(
            event="change_order.declined",
            target=co,
            actor=None,
            account=co.project.account,
            recipients=_em_recipients(co),
            context={"project": co.project.name, "signer": req.signer_name or req.signer_email, "reason": reason},
        )
        return co


def change_order_countersign(*, change_order_id: int, actor: Actor, name: str = "", title: str = "") -> ChangeOrder:
    """The vendor signatory countersigns the customer-signed change order: it is executed — the
    executed PDF (signed blocks, certificate page, PAdES seal) is stored with its SHA-256, and the
    project's budget, milestones and tasks and the queue's remaining demand follow.

    Only the vendor profile's signatory (when one is named); name and title default to the profile's.
    Side effects: the `countersign` move, a vendor signature, audited
    `delivery.change_order_signature_recorded`, `delivery.change_order_pdf_sealed` and
    `delivery.change_order_executed`; notifies `change_order.executed`. Raises ValidationFailed,
    NotFound, PermissionDenied, TransitionNotAllowed (not customer-signed, expired, project not
    Active, not the vendor signatory)."""
    profile = vendor_profile_get()
    default_name = profile.signatory_name or (actor.get_full_name() or actor.get_username())
    name, title = _clean(name or default_name, title or profile.signatory_title or "Authorised signatory")
    with transaction.atomic():
        co = _visible(actor, change_order_id)
        _expired_refusal(co)
        now = clock.now()

        def record_and_seal(applied: Applied, ctx: MoveContext) -> None:
            c: ChangeOrder = applied.obj
            ChangeOrderSignature.objects.create(
                change_order=c,
                party=Party.VENDOR,
                name=name,
                title=title,
                email=getattr(actor, "email", "") or "",
                signed_on=clock.today(),
                signed_at=now,
                signed_pdf_sha256=c.pdf_sha256,
            )
            audit_record(
                verb="delivery.change_order_signature_recorded",
                actor=actor,
                target=c,
                after={"party": Party.VENDOR, "name": name, "title": title, "signed_pdf_sha256": c.pdf_sha256},
            )
            executed_pdf_store(co=c)

        applied = change_order_transition(
            change_order_id=co.pk,
            action="countersign",
            actor=actor,
            before_save=lambda *a: {"executed_at": now},
            after=[record_and_seal, _execute_effects(actor)],
        )
        result: ChangeOrder = applied.obj
        return result


def change_order_send(
    *, change_order_id: int, actor: Actor, signer_email: str = "", signer_name: str = ""
) -> ChangeOrder:
    """Send the approved change order for the customer's e-signature (the SOW standard): a signed,
    expiring, single-use signing link (`co_signature_request_issue`) emailed to the customer's
    signer (the SOW's signer unless one is named) with the PDF attached, CC the EM. A repeated send
    of a sent change order is refused; earlier pending links are withdrawn by a new one.

    Side effects: the `send` move, a ChangeOrderSignatureRequest (audited
    `delivery.change_order_signature_requested`), the email through the outbox. Raises
    ValidationFailed (no valid signer), TransitionNotAllowed (not approved, expired, project not
    Active), NotFound, PermissionDenied."""
    with transaction.atomic():
        co = _visible(actor, change_order_id)
        _expired_refusal(co)
        name, email = (
            (" ".join(signer_name.split())[:200], signer_email.strip().lower())
            if signer_email.strip()
            else signer_for(co.project)
        )
        try:
            validate_email(email)
        except Exception:
            raise ValidationFailed(
                "Name the customer's signer (a valid email).", details={"field": "signer_email"}
            ) from None

        def email_it(applied: Applied, ctx: MoveContext) -> None:
            c: ChangeOrder = applied.obj
            req, token = co_signature_request_issue(co=c, signer_email=email, signer_name=name, actor=actor)
            em = c.project.engagement.em if c.project.engagement is not None else None
            vendor = vendor_get().legal_name
            with c.pdf.open("rb") as fh:
                pdf = base64.b64encode(fh.read()).decode()
            rendered = email_render(
                name="change_order_sent",
                subject=f"Change order {c.code} for signature ({c.project.name})",
                context={
                    "brand": vendor,
                    "vendor": vendor,
                    "signer_name": name,
                    "co": c,
                    "project": c.project.name,
                    "sign_url": change_order_signing_url(token),
                    "link_expires": req.expires_at,
                },
            )
            outbox_enqueue(
                target="email",
                operation="send",
                destination=email,
                event="change_order.sent",
                payload={
                    "to": [email],
                    "cc": [em.email] if em is not None and em.email else [],
                    **rendered.payload(),
                    "attachments": [{"filename": f"{c.code}.pdf", "mimetype": "application/pdf", "content_b64": pdf}],
                },
                source=c,
                pubsec=c.project.account.us_public_sector,
                idempotency_key=f"change_order:{c.pk}:sent:{req.pk}",
            )

        applied = change_order_transition(change_order_id=co.pk, action="send", actor=actor, after=[email_it])
        result: ChangeOrder = applied.obj
        return result


def change_order_sign(
    *, change_order_id: int, actor: Actor, name: str, title: str, signed_on: date | None = None
) -> ChangeOrder:
    """Record a customer's signature made on paper (the SOW's paper route; the e-signature through
    the emailed link is `change_order_sign_by_link`): the change order is customer-signed and waits
    for the vendor signatory's countersignature, which executes it. Side effects: the
    `customer_sign` move, a customer ChangeOrderSignature (recorded in app), audited
    `delivery.change_order_signature_recorded`, the countersign notifications; the pending signing
    link stops working. Raises ValidationFailed (name/title missing, future date),
    TransitionNotAllowed (not sent, expired, project not Active), NotFound, PermissionDenied."""
    name, title = " ".join((name or "").split()), " ".join((title or "").split())
    if not name or len(name) > 200:
        raise ValidationFailed("The signer's name is required.", details={"field": "name"})
    if not title or len(title) > 200:
        raise ValidationFailed("The signer's title is required.", details={"field": "title"})
    day = signed_on or clock.today()
    if day > clock.today():
        raise ValidationFailed("The signature date cannot be in the future.", details={"field": "signed_on"})
    with transaction.atomic():
        co = _visible(actor, change_order_id)
        _expired_refusal(co)
        now = clock.now()

        def record(applied: Applied, ctx: MoveContext) -> None:
            c: ChangeOrder = applied.obj
            ChangeOrderSignature.objects.create(
                change_order=c,
                party=Party.CUSTOMER,
                name=name,
                title=title,
                signed_on=day,
                signed_at=now,
                signed_pdf_sha256=c.pdf_sha256,
            )
            ChangeOrderSignatureRequest.objects.filter(change_order=c, status=SignatureRequestStatus.PENDING).update(
                status=SignatureRequestStatus.WITHDRAWN
            )
            audit_record(
                verb="delivery.change_order_signature_recorded",
                actor=actor,
                target=c,
                after={"party": Party.CUSTOMER, "name": name, "title": title, "on_paper": True},
            )

        applied = change_order_transition(
            change_order_id=co.pk,
            action="customer_sign",
            actor=actor,
            before_save=lambda *a: {"signer_name": name, "signer_title": title, "signed_on": day},
            after=[record],
        )
        result: ChangeOrder = applied.obj
        _signed_notify(result, name)
        return result


# --- the executed PDF ------------------------------------------------------------------------


def _utc(s: ChangeOrderSignature) -> str:
    return f"{s.signed_at:%Y-%m-%d %H:%M:%S}"


def executed_pdf_render(*, co: ChangeOrder) -> bytes:
    """The executed change order: the document with both signature blocks filled in and a
    signature-certificate page (signers, times, IP, user agent, consent, the PDF's SHA-256, the
    trail), sealed through the e-signature port."""
    sigs = list(co.signatures.order_by("signed_at", "id"))
    content = copy.deepcopy(co.content)
    content["signed"] = {s.party: {"name": s.name, "title": s.title, "date": f"{s.signed_on:%Y-%m-%d}"} for s in sigs}
    sent = co.signature_requests.order_by("created_at").first()
    trail = [f"Sent for signature {sent.created_at:%Y-%m-%d %H:%M:%S} UTC to {sent.signer_email}"] if sent else []
    trail += [f"Signed by {s.name} ({s.get_party_display()}) {_utc(s)} UTC" for s in sigs]
    content["certificate"] = {
        "number": co.code,
        "pdf_sha256": co.pdf_sha256,
        "signers": [
            {
                "who": f"{s.name}, {s.title}" + (f" ({s.email})" if s.email else ""),
                "party": s.get_party_display(),
                "at": _utc(s),
                "ip": s.ip_address or "",
                "evidence": (
                    f"{s.get_party_display()} {s.name}: user agent {s.user_agent or 'unknown'}; consent: {s.consent}"
                    if s.party == Party.CUSTOMER and s.by_link
                    else f"{s.get_party_display()} {s.name}: "
                    + (
                        "countersigned in PS Desk as the vendor signatory"
                        if s.party == Party.VENDOR
                        else "recorded in PS Desk"
                    )
                ),
            }
            for s in sigs
        ],
        "trail": trail,
    }
    pdf = rendering.render_pdf(cod.document(content, vendor=vendor_get()))
    return esign().seal(pdf, reason=f"{co.code} executed", location=content["vendor"])


def executed_pdf_store(*, co: ChangeOrder) -> str:
    """Render, seal and store the executed PDF; returns its SHA-256 (audited
    `delivery.change_order_pdf_sealed`). Inside the countersignature's transaction."""
    data = executed_pdf_render(co=co)
    digest = sha256_of(data)
    co.executed_pdf.save(f"{co.code}-executed.pdf", ContentFile(data), save=False)
    ChangeOrder.objects.filter(pk=co.pk).update(executed_pdf=co.executed_pdf.name, executed_pdf_sha256=digest)
    co.executed_pdf_sha256 = digest
    audit_record(verb="delivery.change_order_pdf_sealed", actor=None, target=co, after={"sha256": digest})
    return digest


@dataclass(frozen=True)
class Verification:
    ok: bool
    seal: SealVerdict
    code: str
    problems: list[str]


def change_order_pdf_verify(*, data: bytes) -> Verification:
    """Check an executed change-order PDF: the vendor's seal (intact, trusted, covering the whole
    file) and the file's SHA-256 against the executed PDF stored for a change order. Writes nothing."""
    verdict = esign().verify(data)
    digest = sha256_of(data)
    co = ChangeOrder.objects.filter(executed_pdf_sha256=digest).first()
    problems = list(verdict.problems)
    if co is None:
        problems.append("no executed change order has this file's SHA-256")
    return Verification(ok=not problems, seal=verdict, code=co.code if co else "", problems=problems)
