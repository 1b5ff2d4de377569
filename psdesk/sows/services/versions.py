"""SOW versions: generation from the customer-agreed estimate, milestone edits, and the account-team
and customer review. Each write stores a new immutable version (content and its hash); the worker
then renders its DOCX and PDF (psdesk.sows.services.documents), so no web request waits for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction

from psdesk.audit.services import audit_record
from psdesk.branding.models import RenderState
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core import clock
from psdesk.core.errors import NotFound, ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_title_short
from psdesk.estimates.models import EstimateVersion
from psdesk.estimates.selectors import agreed_version
from psdesk.scoping.models import ScopingRequest, ServiceType
from psdesk.sows import document as doc
from psdesk.sows import tasks
from psdesk.sows.choices import EDUCATION_ROLES, EDUCATION_SERVICE_TYPES, BillingTerms, TermsKind, VersionSource
from psdesk.sows.models import Sow, SowVersion
from psdesk.sows.selectors import clause_texts, policy_get
from psdesk.sows.services.common import EDIT, sow_lock, sow_require_editable

CALCULATOR_NOTE = "Created by the Services Calculator"


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


def sow_title(eng: Engagement) -> str:
    """The SOW's customer-facing title: the engagement title without the scoping suffix and the
    account name, else the requested service types, else "Professional Services"."""
    short = engagement_title_short(title=eng.title, account_name=eng.account.name)
    if not short:
        req = ScopingRequest.objects.filter(engagement=eng).only("service_types").first()
        keys = list(req.service_types) if req is not None else []
        names = dict(ServiceType.objects.filter(key__in=keys).values_list("key", "name"))
        short = ", ".join(names[k] for k in keys if k in names)
    return f"{short} \u2013 Professional Services" if short else "Professional Services"


def _objectives_extra(eng: Engagement) -> str:
    """The engagement description as objectives, unless it is the calculator's internal note."""
    text = eng.description.strip()
    return "" if text.startswith(CALCULATOR_NOTE) else text


def _build(
    *, sow: Sow, ev: EstimateVersion, milestones: Sequence[dict[str, Any]] | None, billing_terms: str
) -> tuple[dict[str, Any], str, str]:
    eng = sow.engagement
    today = clock.today()
    msa = eng.account.msa_on(today)
    terms_kind = TermsKind.MSA if msa is not None else TermsKind.STANDARD
    policy = policy_get()
    vendor = vendor_profile_get()
    acts = _activities(ev)
    if not any(not a.education for a in acts) and not acts:
        raise ValidationFailed("The agreed estimate version has no lines to put in a SOW.")
    ms = list(milestones) if milestones is not None else doc.default_milestones(acts)
    texts = clause_texts()
    try:
        content = doc.build_content(
            number=sow.number,
            title=sow_title(eng),
            date=today.isoformat(),
            customer=eng.account.name,
            vendor=vendor.legal_name,
            vendor_signer_title=vendor.signatory_title,
            vendor_signer_name=vendor.signatory_name,
            vendor_address=vendor.address_lines,
            vendor_footer=vendor.footer_text,
            vendor_colour=vendor.brand_colour,
            currency=ev.currency,
            pricing_model=ev.pricing_model,
            terms_kind=terms_kind,
            msa_reference=msa.reference if msa else "",
            activities=acts,
            milestones=ms,
            clauses={k: t for k, (t, _) in texts.items()},
            clause_versions={k: v for k, (_, v) in texts.items()},
            billing_terms=billing_terms,
            objectives_extra=_objectives_extra(eng),
            assumptions_extra=ev.assumptions,
            out_of_scope_extra=ev.out_of_scope,
            values={
                "passive_days": str(policy.passive_acceptance_business_days),
                "min_hours": str(policy.minimum_hours_per_week),
                "validity_days": str(policy.validity_days),
                "engagement": sow_title(eng),
            },
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), details={"field": "milestones"}) from None
    return content, terms_kind, (msa.reference if msa else "")


def version_renders_reask(*, older_than: timedelta) -> int:
    """Ask the worker again for every version still rendering whose last request is older than
    `older_than` (its task was lost: a worker killed mid-render, a queue flushed); returns how many.
    The render is idempotent, so a late original task and the new one store the files once."""
    cutoff = clock.now() - older_than
    stuck = list(
        SowVersion.objects.filter(render_state=RenderState.RENDERING, render_requested_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    with transaction.atomic():
        SowVersion.objects.filter(pk__in=stuck).update(render_requested_at=clock.now())
        for version_id in stuck:
            transaction.on_commit(partial(tasks.sow_version_render_task.enqueue, version_id), robust=True)
    return len(stuck)


def version_render_enqueue(version: SowVersion) -> None:
    """Ask the worker to render the version's DOCX and PDF once the current transaction commits."""
    version_id = version.pk
    transaction.on_commit(lambda: tasks.sow_version_render_task.enqueue(version_id), robust=True)


def version_store(
    *,
    sow: Sow,
    ev: EstimateVersion,
    content: dict[str, Any],
    terms_kind: str,
    msa_reference: str,
    source: str,
    actor: Actor,
) -> SowVersion:
    """Store `content` as the SOW's next version, which becomes current; its DOCX and PDF are
    rendered by the worker afterwards (`render_state` rendering until then; psdesk.sows.tasks).

    The caller holds the SOW's row lock inside a transaction. Side effects: `Sow.current`/`Sow.version`
    updated, the engagement's last activity touched, audited `sows.version_<source>`, the render task
    enqueued after commit.
    """
    last = sow.versions.order_by("-number").first()
    number = (last.number if last else 0) + 1
    digest = doc.content_hash(content)
    v = SowVersion.objects.create(
        sow=sow,
        number=number,
        estimate_version=ev,
        source=source,
        terms_kind=terms_kind,
        msa_reference=msa_reference,
        content=content,
        content_hash=digest,
        total=Decimal(content["fees"]["total"]),
        currency=content["currency"],
        render_state=RenderState.RENDERING,
        created_by=actor,
        created_at=clock.now(),
    )
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
            "content_hash": digest,
        },
    )
    Engagement.objects.filter(pk=sow.engagement_id).update(last_activity_at=clock.now())
    version_render_enqueue(v)
    return v


def sow_version_render_retry(*, version: SowVersion) -> bool:
    """Ask the worker again for a version whose render failed (say, after an admin fixed the DOCX
    template); True when asked. A version that is rendering or ready is left alone."""
    with transaction.atomic():
        asked = bool(
            SowVersion.objects.filter(pk=version.pk, render_state=RenderState.FAILED).update(
                render_state=RenderState.RENDERING, render_error="", render_requested_at=clock.now()
            )
        )
        if asked:
            version_render_enqueue(version)
    return asked


def _agreed_estimate(*, eng: Engagement, estimate_version_id: int | None) -> EstimateVersion:
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
    return agreed


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
    Creates the SOW on the first call; sets its billing terms when given. Side effects: a new current
    version (see `version_store`), audited `sows.version_generated`. Raises PermissionDenied without
    `sows.edit_sow`, NotFound for an engagement the actor may not see, ValidationFailed when no version
    was agreed, `estimate_version_id` is not the agreed one or the billing terms are unknown, Conflict
    when the SOW is past draft (executed: immutable).
    """
    permission_require(actor, EDIT)
    if billing_terms is not None and billing_terms not in BillingTerms.values:
        raise ValidationFailed(f"Unknown billing terms '{billing_terms}'.", details={"field": "billing_terms"})
    with transaction.atomic():
        eng = Engagement.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=engagement_id).first()
        if eng is None:
            raise NotFound(f"engagement {engagement_id} not found")
        agreed = _agreed_estimate(eng=eng, estimate_version_id=estimate_version_id)
        sow, _ = Sow.objects.get_or_create(engagement=eng, defaults={"created_at": clock.now()})
        sow = sow_lock(actor=actor, sow_id=sow.pk)
        sow_require_editable(sow)
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
        return version_store(
            sow=sow,
            ev=agreed,
            content=content,
            terms_kind=terms_kind,
            msa_reference=msa_ref,
            source=VersionSource.GENERATED,
            actor=actor,
        )


def _milestones_clean(milestones: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
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
    return cleaned


def sow_milestones_edit(*, sow_id: int, actor: Actor, milestones: Sequence[dict[str, Any]]) -> SowVersion:
    """A new version with the activities regrouped into `milestones` ([{"name", "lines": [line indices]}]).

    Invariant: every services line is in exactly one milestone. Clause edits are carried over from the
    current version. Side effects: a new current version, audited `sows.version_milestones`. Raises
    PermissionDenied, NotFound, ValidationFailed (bad milestones, no version yet), Conflict (past draft).
    """
    permission_require(actor, EDIT)
    cleaned = _milestones_clean(milestones)
    with transaction.atomic():
        sow = sow_lock(actor=actor, sow_id=sow_id)
        sow_require_editable(sow)
        cur = sow.current
        if cur is None:
            raise ValidationFailed("Generate the SOW first.")
        content, terms_kind, msa_ref = _build(
            sow=sow, ev=cur.estimate_version, milestones=cleaned, billing_terms=sow.billing_terms
        )
        content = doc.with_clauses(content, {k: cur.content["clauses"][k] for k in doc.EDITABLE_CLAUSES})
        return version_store(
            sow=sow,
            ev=cur.estimate_version,
            content=content,
            terms_kind=terms_kind,
            msa_reference=msa_ref,
            source=VersionSource.MILESTONES,
            actor=actor,
        )


def sow_review_record(*, sow_id: int, actor: Actor, note: str = "") -> Sow:
    """Record that the account team and the customer reviewed the current version.

    This satisfies a guard of SOW WIP → Ready For Approval for that version only (a new version needs a
    new review). Side effects: the review fields on the SOW, audited `sows.reviewed` with the note.
    Raises PermissionDenied, NotFound, ValidationFailed (no version yet), Conflict (past draft).
    """
    permission_require(actor, EDIT)
    with transaction.atomic():
        sow = sow_lock(actor=actor, sow_id=sow_id)
        sow_require_editable(sow)
        if sow.current is None:
            raise ValidationFailed("Generate the SOW first.")
        now = clock.now()
        Sow.objects.filter(pk=sow.pk).update(reviewed_version=sow.current, reviewed_by=actor, reviewed_at=now)
        sow.reviewed_version, sow.reviewed_by, sow.reviewed_at = sow.current, actor, now
        audit_record(
            verb="sows.reviewed", actor=actor, target=sow, after={"version": sow.current.number}, reason=note[:2000]
        )
        return sow
