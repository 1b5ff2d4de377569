"""The built-in e-signature of a released SOW (docs/howto/sows.md): the emailed signing link, the
customer's signature or decline through it, and the executed PDF (signed blocks, a signature
certificate page, the vendor's PAdES seal). Links and the seal come from the e-signature port
(`psdesk.integrations.esign`); single use and expiry are enforced here on `SignatureRequest`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied, transition_apply
from psdesk.branding.document import Section
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.types import Actor
from psdesk.core.workflow import MoveContext
from psdesk.integrations.esign.port import EsignPort, LinkExpired, LinkInvalid, SealVerdict
from psdesk.integrations.registry import adapter_get
from psdesk.notifications.links import site_url
from psdesk.sows import document as doc
from psdesk.sows import rendering
from psdesk.sows.choices import Party, SignatureRequestStatus
from psdesk.sows.models import Signature, SignatureRequest, Sow, SowVersion
from psdesk.sows.selectors import policy_get
from psdesk.sows.services.common import sha256_of, sow_notify, sow_role_notify
from psdesk.sows.workflow import SOW_WORKFLOW

CONSENT_TEXT = (
    "I agree to sign this Statement of Work electronically and that my electronic signature is as "
    "binding as a handwritten one."
)
R = SignatureRequestStatus

# Effects a higher app runs inside the decline's transaction (board: the card back to SOW WIP).
AFTER_DECLINE_HOOKS: list[Callable[[Sow, str], None]] = []


def register_after_decline(hook: Callable[[Sow, str], None]) -> None:
    """Run `hook(sow, reason)` inside the transaction of a customer's decline."""
    if hook not in AFTER_DECLINE_HOOKS:
        AFTER_DECLINE_HOOKS.append(hook)


def esign() -> EsignPort:
    port: EsignPort = adapter_get("esign")
    return port


def signing_url(token: str) -> str:
    return site_url(reverse("sign:show", args=[token]))


def signature_request_issue(
    *, sow: Sow, version: SowVersion, signer_email: str, signer_name: str, actor: Actor
) -> tuple[SignatureRequest, str]:
    """A new signing link for the customer signer (earlier pending links are withdrawn). Inside the
    release's transaction. Returns the row and the link's token (never stored)."""
    lifetime = policy_get().signing_link_days * 86400
    SignatureRequest.objects.filter(sow=sow, status=R.PENDING).update(status=R.WITHDRAWN)
    req = SignatureRequest.objects.create(
        sow=sow,
        version=version,
        signer_name=signer_name,
        signer_email=signer_email,
        nonce_sha256="pending-" + sha256_of(f"{sow.pk}:{clock.now().isoformat()}".encode())[:50],
        pdf_sha256=version.pdf_sha256,
        expires_at=clock.now(),
        created_by=actor,
        created_at=clock.now(),
    )
    link = esign().link_issue(request_id=req.pk, lifetime_seconds=lifetime)
    SignatureRequest.objects.filter(pk=req.pk).update(nonce_sha256=link.nonce_sha256, expires_at=link.expires_at)
    req.nonce_sha256, req.expires_at = link.nonce_sha256, link.expires_at
    audit_record(
        verb="sows.signature_requested",
        actor=actor,
        target=sow,
        after={"version": version.number, "signer_email": signer_email, "expires_at": link.expires_at},
    )
    return req, link.token


def _claims(token: str) -> SignatureRequest:
    try:
        claims = esign().link_read(token)
    except LinkExpired as exc:
        raise Conflict(str(exc), code="link_expired") from None
    except LinkInvalid as exc:
        raise NotFound(str(exc)) from None
    req = (
        SignatureRequest.objects.select_related("sow__engagement__account", "version")
        .filter(pk=claims.request_id, nonce_sha256=claims.nonce_sha256)
        .first()
    )
    if req is None:
        raise NotFound("This signing link is not valid.")
    return req


def signing_request_open(*, token: str) -> SignatureRequest:
    """The pending request a signing link names. Raises NotFound (not a link of ours), Conflict
    (expired, already used, declined, withdrawn by a newer link, or the SOW changed since)."""
    req = _claims(token)
    if req.status == R.SIGNED or req.used_at is not None:
        raise Conflict("This signing link was already used; the SOW is signed.", code="link_used")
    if req.status == R.DECLINED:
        raise Conflict("This SOW was declined through this link.", code="link_used")
    if req.status == R.WITHDRAWN:
        raise Conflict("This signing link was replaced by a newer one; use the latest email.", code="link_withdrawn")
    if clock.now() > req.expires_at:
        raise Conflict("This signing link has expired; ask your contact for a new one.", code="link_expired")
    sow = req.sow
    if sow.status != "released" or sow.current_id != req.version_id:
        raise Conflict("This SOW is no longer waiting for your signature.", code="link_withdrawn")
    return req


@dataclass(frozen=True)
class Evidence:
    ip: str | None
    user_agent: str


def _locked(token: str) -> SignatureRequest:
    req = signing_request_open(token=token)
    SignatureRequest.objects.select_for_update().filter(pk=req.pk).first()
    return signing_request_open(token=token)  # re-read under the lock: a second submit sees it used


def sow_sign_by_link(*, token: str, name: str, title: str, consent: bool, evidence: Evidence) -> Signature:
    """The customer signs through the link: a customer Signature with the evidence (name, email, time,
    IP, user agent, SHA-256 of the exact PDF shown), the request used, the SOW customer-signed.

    Side effects: audited `sows.customer_sign_link` and `sows.signature_recorded`; notifies
    `sow.signed` (EM, account team) and `sow.awaiting_countersignature` (the vendor signatory).
    Raises ValidationFailed (name, title or consent missing; nothing written), NotFound, Conflict
    (link expired or used, SOW changed).
    """
    name, title = " ".join((name or "").split()), " ".join((title or "").split())
    if not name or len(name) > 200:
        raise ValidationFailed("Type your full name (at most 200 characters).", details={"field": "name"})
    if not title or len(title) > 200:
        raise ValidationFailed("Type your title (at most 200 characters).", details={"field": "title"})
    if not consent:
        raise ValidationFailed("Tick the box to agree to sign electronically.", details={"field": "consent"})
    with transaction.atomic():
        req = _locked(token)
        with req.version.pdf.open("rb") as fh:
            if sha256_of(fh.read()) != req.pdf_sha256:
                raise Conflict("The document changed since the link was sent.", code="pdf_changed")
        now = clock.now()
        who = f"{name} <{req.signer_email}>"

        def record(applied: Applied, ctx: MoveContext) -> None:
            Signature.objects.create(
                sow=req.sow,
                version=req.version,
                party=Party.CUSTOMER,
                name=name,
                title=title,
                signed_on=clock.today(),
                signed_pdf_sha256=req.pdf_sha256,
                email=req.signer_email,
                ip_address=evidence.ip,
                user_agent=evidence.user_agent[:400],
                signed_at=now,
                recorded_at=now,
            )
            audit_record(
                verb="sows.signature_recorded",
                actor=who,
                target=req.sow,
                after={
                    "party": Party.CUSTOMER,
                    "name": name,
                    "title": title,
                    "email": req.signer_email,
                    "ip": evidence.ip,
                    "user_agent": evidence.user_agent[:400],
                    "signed_pdf_sha256": req.pdf_sha256,
                    "consent": CONSENT_TEXT,
                },
            )

        applied = transition_apply(
            workflow=SOW_WORKFLOW,
            queryset=Sow.objects.select_related("engagement__account", "engagement__em", "engagement__opportunity"),
            pk=req.sow_id,
            action="customer_sign_link",
            actor=None,
            system=True,
            after=[record],
        )
        SignatureRequest.objects.filter(pk=req.pk).update(
            status=R.SIGNED, used_at=now, ip_address=evidence.ip, user_agent=evidence.user_agent[:400]
        )
        sow = applied.obj
        sow_notify(sow=sow, event="sow.signed", actor=None, context={"sow": sow.number, "signer": name})
        sow_role_notify(
            sow=sow,
            event="sow.awaiting_countersignature",
            permission="sows.countersign_sow",
            actor=None,
            context={"signer": name},
        )
        return Signature.objects.get(sow=sow, party=Party.CUSTOMER)


def sow_decline_by_link(*, token: str, reason: str, evidence: Evidence) -> Sow:
    """The customer declines through the link, with a reason: the SOW goes back to draft, the card
    back to SOW WIP (registered hooks), the EM is told `sow.declined` with the reason.

    Raises ValidationFailed (no reason; nothing written), NotFound, Conflict (link expired or used)."""
    reason = (reason or "").strip()[:2000]
    if not reason:
        raise ValidationFailed("Say why you decline, so the team can change the SOW.", details={"field": "reason"})
    with transaction.atomic():
        req = _locked(token)
        applied = transition_apply(
            workflow=SOW_WORKFLOW,
            queryset=Sow.objects.select_related("engagement__account", "engagement__em", "engagement__opportunity"),
            pk=req.sow_id,
            action="customer_decline",
            actor=None,
            system=True,
            reason=f"{req.signer_email}: {reason}",
            before_save=lambda *a: {"released_at": None},
        )
        SignatureRequest.objects.filter(pk=req.pk).update(
            status=R.DECLINED,
            used_at=clock.now(),
            decline_reason=reason,
            ip_address=evidence.ip,
            user_agent=evidence.user_agent[:400],
        )
        sow: Sow = applied.obj
        for hook in AFTER_DECLINE_HOOKS:
            hook(sow, reason)
        sow_notify(
            sow=sow,
            event="sow.declined",
            actor=None,
            context={"sow": sow.number, "signer": req.signer_name or req.signer_email, "reason": reason},
        )
        return sow


# --- the executed PDF ------------------------------------------------------------------------


def _utc(when: datetime) -> str:
    return f"{when:%Y-%m-%d %H:%M:%S} UTC"


def _certificate(sow: Sow, version: SowVersion, signatures: list[Signature]) -> Section:
    cert = Section(key="certificate", heading="Signature certificate")
    cert.paragraphs = [
        f"{sow.number} version {version.number} was signed electronically through PS Desk. "
        f"SHA-256 of the PDF signed: {version.pdf_sha256}",
    ]
    cert.rows = [("Party", "Signer", "Signed at (UTC)", "IP address")]
    for s in signatures:
        when = s.signed_at or s.recorded_at
        cert.rows.append(
            (
                s.get_party_display(),
                f"{s.name}, {s.title} ({s.email})",
                f"{when:%Y-%m-%d %H:%M:%S}",
                s.ip_address or "in app",
            )
        )
    cert.bullets = [
        f"{s.get_party_display()} {s.name}: user agent {s.user_agent or 'not recorded'}; consent: {CONSENT_TEXT}"
        for s in signatures
    ]
    trail = [
        f"Released for signature {sow.released_at:%Y-%m-%d %H:%M:%S} UTC" if sow.released_at else "",
        *(
            f"Signed by {s.name} ({s.get_party_display()}) {(s.signed_at or s.recorded_at):%Y-%m-%d %H:%M:%S} UTC"
            for s in signatures
        ),
        "Sealed with the vendor's PAdES digital signature on completion",
    ]
    cert.after = [t for t in trail if t]
    return cert


def executed_pdf_render(*, sow: Sow) -> bytes:
    """The executed PDF: the SOW version with the signature blocks filled in, a signature-certificate
    page (signers, times, hashes, audit trail), sealed through the e-signature port."""
    version = sow.current
    if version is None:
        raise ValidationFailed("The SOW has no version.")
    signatures = list(sow.signatures.filter(version=version).order_by("party"))
    content = copy.deepcopy(version.content)
    content["signed"] = {
        s.party: {
            "name": s.name,
            "title": s.title,
            "date": f"{s.signed_on:%Y-%m-%d}",
            "signature": f"Signed electronically by {s.name}",
        }
        for s in signatures
    }
    secs = doc.sections(content)
    secs.append(_certificate(sow, version, sorted(signatures, key=lambda s: s.signed_at or s.recorded_at)))
    n = sum(1 for s in secs if s.level == 1)
    secs[-1].heading = f"{n}. {secs[-1].heading}"
    pdf = rendering.render_pdf(rendering.render_html(content, secs, version=version.number))
    return esign().seal(pdf, reason=f"{sow.number} v{version.number} executed", location=content["vendor"])


def executed_pdf_store(*, sow: Sow) -> str:
    """Render, seal and store the executed PDF on the SOW; returns its SHA-256 (audited
    `sows.executed_pdf_sealed`). Inside the countersignature's transaction."""
    data = executed_pdf_render(sow=sow)
    digest = sha256_of(data)
    sow.executed_pdf.save(f"sows/{sow.pk}/{sow.number}-executed.pdf", ContentFile(data), save=False)
    Sow.objects.filter(pk=sow.pk).update(executed_pdf=sow.executed_pdf.name, executed_pdf_sha256=digest)
    sow.executed_pdf_sha256 = digest
    audit_record(verb="sows.executed_pdf_sealed", actor=None, target=sow, after={"sha256": digest})
    return digest


@dataclass(frozen=True)
class Verification:
    ok: bool
    seal: SealVerdict
    sow_number: str
    problems: list[str]


def sow_pdf_verify(*, data: bytes) -> Verification:
    """Check an executed PDF: the vendor's seal (intact, trusted, covering the whole file) and the
    file's SHA-256 against the executed PDF stored for a SOW. Writes nothing."""
    verdict = esign().verify(data)
    digest = sha256_of(data)
    sow = Sow.objects.filter(executed_pdf_sha256=digest).first()
    problems = list(verdict.problems)
    if sow is None:
        problems.append("no executed SOW has this file's SHA-256")
    return Verification(ok=not problems, seal=verdict, sow_number=sow.number if sow else "", problems=problems)
