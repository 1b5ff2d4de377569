"""Writes on estimates: versions and their lines, sharing and review links, TA reviews, customer
feedback and agreement. Every write is audited in the same transaction; notifications
are queued through psdesk.notifications (its outbox sends them after commit)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from psdesk.audit.services import audit_record
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.inserts import rows_insert
from psdesk.core.money import MoneyError, to_decimal
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.crm.services import opportunity_value_follow
from psdesk.engagements.labels import TA_APPROVED, TA_NEEDS_REVIEW, TA_ROLE
from psdesk.engagements.models import Engagement
from psdesk.engagements.services import engagement_label_set
from psdesk.estimates import tasks
from psdesk.estimates.choices import (
    MANUAL,
    Delivery,
    FeedbackKind,
    PricingModel,
    ReviewDecision,
    VersionStatus,
)
from psdesk.estimates.models import CustomerFeedback, EstimateLine, EstimateReview, EstimateVersion, ReviewLink
from psdesk.estimates.pricing import LineInput, PricingError, Totals, price_lines
from psdesk.estimates.rates import RateBook
from psdesk.estimates.selectors import (
    agreement_get,
    needs_ta_review,
    policy_get,
    review_link_resolve,
    review_token_for,
    ta_approved,
)
from psdesk.notifications.services import notify
from psdesk.scoping.selectors import draft_estimate_lines

EDIT = "estimates.edit_estimate"
REVIEW = "estimates.review_estimate"
MAX_LINES = 2000


@dataclass(frozen=True)
class LineData:
    """One line as the EM enters it. Empty provenance means the EM wrote it by hand ("manual")."""

    activity: str
    role: str
    hours: Any
    description: str = ""
    delivery: str = Delivery.REMOTE
    provenance: tuple[str, ...] = ()
    service_type: str = ""


@dataclass
class Shared:
    version: EstimateVersion
    link: ReviewLink
    token: str


@dataclass
class _Priced:
    lines: list[dict[str, Any]] = field(default_factory=list)  # EstimateLine field values (no version)
    totals: Totals = field(default_factory=Totals)


class AfterAgreement(Protocol):
    def __call__(self, *, engagement: Engagement, actor: Actor | str | None) -> object: ...


# Effects of a customer agreement on apps above estimates (the project's tasks, the queue's demand),
# registered from their AppConfig.ready(); they run inside the agreement's transaction.
AFTER_AGREEMENT_HOOKS: list[AfterAgreement] = []


def register_after_agreement(hook: AfterAgreement) -> None:
    """Extension point: run `hook(engagement=..., actor=...)` after a version is agreed (idempotent)."""
    if hook not in AFTER_AGREEMENT_HOOKS:
        AFTER_AGREEMENT_HOOKS.append(hook)


def _agreed_value_follow(v: EstimateVersion, actor: str) -> None:
    """The engagement's opportunity takes the agreed version's value: education value from its
    education lines, PS value from the rest (audited by crm)."""
    if not v.engagement.opportunity_id:
        return
    lines = list(v.lines.all())
    edu = sum((ln.price for ln in lines if "education" in (ln.service_type or "")), Decimal("0.00"))
    opportunity_value_follow(
        opportunity_id=v.engagement.opportunity_id,
        actor=actor,
        source=f"customer agreed to estimate v{v.number}",
        ps_value=v.price - edu,
        education_value=edu,
    )


def _notify(
    *,
    event: str,
    target: Any,
    actor: Actor | None = None,
    context: dict[str, Any] | None = None,
    recipients: Iterable[Any] = (),
    account: Any = None,
) -> None:
    """Queue a notification inside the caller's transaction (delivery runs after commit)."""
    notify(
        event=event,
        target=target,
        actor=actor,
        context=context or {},
        recipients=tuple(r for r in recipients if r is not None),
        account=account,
    )


def _tas() -> list[User]:
    return list(User.objects.filter(groups__name=TA_ROLE, is_active=True).order_by("username"))


def _clean_lines(raw: Sequence[LineData]) -> list[LineData]:
    if len(raw) > MAX_LINES:
        raise ValidationFailed(f"An estimate holds at most {MAX_LINES} lines.", details={"field": "lines"})
    cleaned = []
    for i, ld in enumerate(raw):
        activity = (ld.activity or "").strip()
        role = (ld.role or "").strip()
        if not activity:
            raise ValidationFailed(f"Line {i + 1}: an activity is required.", details={"line": i, "field": "activity"})
        if not role:
            raise ValidationFailed(f"Line {i + 1}: a role is required.", details={"line": i, "field": "role"})
        if ld.delivery not in Delivery.values:
            raise ValidationFailed(
                f"Line {i + 1}: delivery must be remote or onsite.", details={"line": i, "field": "delivery"}
            )
        try:
            hours = to_decimal(ld.hours, field="hours")
        except MoneyError as exc:
            raise ValidationFailed(f"Line {i + 1}: {exc}", details={"line": i, "field": "hours"}) from None
        provenance = tuple(p.strip() for p in ld.provenance if p and p.strip()) or (MANUAL,)
        cleaned.append(
            LineData(
                activity=activity[:200],
                role=role[:32],
                hours=hours,
                description=(ld.description or "").strip(),
                delivery=ld.delivery,
                provenance=provenance,
                service_type=(ld.service_type or "")[:64],
            )
        )
    return cleaned


def _price(lines: Sequence[LineData], *, pricing_model: str, currency: str, on: Any) -> _Priced:
    """Validate and price lines with the rates in force (list or bill rate; cost rate of `on`'s quarter)."""
    if pricing_model not in PricingModel.values:
        raise ValidationFailed("Pricing model must be fixed_fee or tm.", details={"field": "pricing_model"})
    book = RateBook(fixed_fee=pricing_model == PricingModel.FIXED_FEE, on=on, currency=currency)
    book.preload(ld.role for ld in lines)
    inputs = [
        LineInput(
            activity=ld.activity,
            role=ld.role,
            hours=ld.hours,
            rate=book.rate(ld.role),
            cost_rate=book.cost_rate(ld.role),
        )
        for ld in lines
    ]
    try:
        totals = price_lines(inputs)
    except PricingError as exc:
        where = f"Line {exc.index + 1}: " if exc.index is not None else ""
        raise ValidationFailed(f"{where}{exc}", details={"line": exc.index, "field": exc.field}) from None
    rows = [
        {
            "position": i,
            "activity": ld.activity,
            "description": ld.description,
            "role": ld.role,
            "hours": pl.hours,
            "delivery": ld.delivery,
            "provenance": list(ld.provenance),
            "service_type": ld.service_type,
            "rate": pl.rate,
            "cost_rate": pl.cost_rate,
            "price": pl.price,
            "cost": pl.cost,
        }
        for i, (ld, pl) in enumerate(zip(lines, totals.lines, strict=True))
    ]
    return _Priced(lines=rows, totals=totals)


def _summary(v: EstimateVersion, *, lines: int | None = None) -> dict[str, Any]:
    """The audited figures of a version; `lines` when the caller knows the count (no query)."""
    return {
        "number": v.number,
        "status": v.status,
        "pricing_model": v.pricing_model,
        "lines": v.lines.count() if lines is None else lines,
        "hours": v.hours,
        "price": v.price,
        "cost": v.cost,
        "margin": v.margin,
        "revision": v.revision,
    }


def _lines_of(version: EstimateVersion) -> list[LineData]:
    """A version's lines as editable data (provenance kept)."""
    return [
        LineData(
            activity=ln.activity,
            role=ln.role,
            hours=ln.hours,
            description=ln.description,
            delivery=ln.delivery,
            provenance=tuple(ln.provenance),
            service_type=ln.service_type,
        )
        for ln in version.lines.order_by("position")
    ]


def draft_lines_for(engagement: Engagement) -> list[LineData]:
    """The calculator's draft lines (psdesk.scoping), provenance kept."""
    return [
        LineData(
            activity=d.activity,
            role=d.role,
            hours=Decimal(d.hours),
            description=d.description,
            delivery=d.delivery,
            provenance=tuple(d.provenance),
            service_type=str(getattr(d, "service_type", "") or ""),
        )
        for d in draft_estimate_lines(engagement=engagement)
    ]


def estimate_version_create(
    *,
    engagement_id: int,
    actor: Actor,
    lines: Sequence[LineData] | None = None,
    based_on_id: int | None = None,
    from_draft: bool = False,
    pricing_model: str | None = None,
    assumptions: str | None = None,
    out_of_scope: str | None = None,
    expected_latest: int | None = None,
) -> EstimateVersion:
    """Create the next version of an engagement's estimate, from the calculator's draft (`from_draft`), from
    a copy of `based_on_id` (lines/notes overridable), or from `lines`. Version 1 defaults to the draft.

    Invariants: numbers are consecutive; `expected_latest` (the latest number the editor saw, 0 for none)
    refuses a stale edit with Conflict (409). Audited `estimates.version_created`.
    Raises PermissionDenied, NotFound, Conflict, ValidationFailed (bad lines, missing rates).
    """
    permission_require(actor, EDIT)
    with transaction.atomic():
        eng = Engagement.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=engagement_id).first()
        if eng is None:
            raise NotFound(f"engagement {engagement_id} not found")
        latest = EstimateVersion.objects.filter(engagement=eng).order_by("-number").first()
        latest_number = latest.number if latest else 0
        if expected_latest is not None and expected_latest != latest_number:
            raise Conflict(
                f"Estimate v{latest_number} was saved since you loaded v{expected_latest}; reload and try again.",
                code="stale",
                details={"expected_latest": expected_latest, "current_latest": latest_number},
            )
        base = None
        if based_on_id is not None:
            base = EstimateVersion.objects.filter(engagement=eng, pk=based_on_id).first()
            if base is None:
                raise NotFound(f"estimate version {based_on_id} not found on this engagement")
        if lines is None:
            if base is not None and not from_draft:
                lines = _lines_of(base)
            elif from_draft or latest is None:
                lines = draft_lines_for(eng)
            else:
                lines = []
        cleaned = _clean_lines(lines)
        model = pricing_model or (base.pricing_model if base else PricingModel.FIXED_FEE)
        today = clock.today()
        priced = _price(cleaned, pricing_model=model, currency="USD", on=today)
        now = clock.now()
        v = EstimateVersion(
            engagement=eng,
            number=latest_number + 1,
            pricing_model=model,
            currency="USD",
            assumptions=(assumptions if assumptions is not None else (base.assumptions if base else "")).strip(),
            out_of_scope=(out_of_scope if out_of_scope is not None else (base.out_of_scope if base else "")).strip(),
            based_on=base,
            priced_on=today,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        _store_new(v, priced)
        audit_record(
            verb="estimates.version_created", actor=actor, target=v, after=_summary(v, lines=len(priced.lines))
        )
        Engagement.objects.filter(pk=eng.pk).update(last_activity_at=now)
        return v


def _store_new(v: EstimateVersion, priced: _Priced) -> None:
    v.hours, v.price, v.cost, v.margin = (
        priced.totals.hours,
        priced.totals.price,
        priced.totals.cost,
        priced.totals.margin,
    )
    v.save()
    _lines_insert(v.pk, priced.lines)
    estimate_pdf_render_request(v.pk)


def _lines_insert(version_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Insert a version's lines from plain values with multi-row INSERTs (`core.inserts.rows_insert`):
    `bulk_create` builds a model per line and prepares every field of every row, which was most of
    a 500-line save."""
    if not rows:
        return
    columns = [str(f.attname) for f in EstimateLine._meta.concrete_fields if not f.primary_key]
    rows_insert(EstimateLine, columns, ([{**row, "version_id": version_id}[c] for c in columns] for row in rows))


def estimate_version_update(
    *,
    version_id: int,
    actor: Actor,
    revision: int,
    lines: Sequence[LineData] | None = None,
    pricing_model: str | None = None,
    assumptions: str | None = None,
    out_of_scope: str | None = None,
) -> EstimateVersion:
    """Edit a draft version in place (lines replaced and repriced with today's rates).

    Refuses a shared version (Conflict "create a new version") and a stale `revision` (Conflict "stale").
    Audited `estimates.version_edited` with before/after totals.
    """
    permission_require(actor, EDIT)
    with transaction.atomic():
        v = (
            EstimateVersion.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("engagement")
            .filter(pk=version_id)
            .first()
        )
        if v is None:
            raise NotFound(f"estimate version {version_id} not found")
        if v.is_shared:
            raise Conflict(
                f"v{v.number} was shared with the customer and cannot change; create a new version instead.",
                code="version_shared",
            )
        if revision != v.revision:
            raise Conflict(
                "This estimate changed since you loaded it; reload and try again.",
                code="stale",
                details={"expected_revision": revision, "current_revision": v.revision},
            )
        before = _summary(v)
        if lines is None:
            lines = _lines_of(v)
        cleaned = _clean_lines(lines)
        model = pricing_model or v.pricing_model
        today = clock.today()
        priced = _price(cleaned, pricing_model=model, currency=v.currency, on=today)
        v.lines.all().delete()
        v.pricing_model = model
        if assumptions is not None:
            v.assumptions = assumptions.strip()
        if out_of_scope is not None:
            v.out_of_scope = out_of_scope.strip()
        v.priced_on = today
        v.revision += 1
        v.updated_at = clock.now()
        _store_new(v, priced)
        after = _summary(v, lines=len(priced.lines))
        audit_record(verb="estimates.version_edited", actor=actor, target=v, before=before, after=after)
        return v


def _ta_label_for(version: EstimateVersion, actor: Actor) -> None:
    """Over the threshold the engagement needs TA review of this version (unless already approved)."""
    if needs_ta_review(version) and not ta_approved(version):
        engagement_label_set(
            engagement=version.engagement,
            label=TA_NEEDS_REVIEW,
            actor=actor,
            reason=f"estimate v{version.number} is above the TA threshold",
        )
        _notify(
            event="estimate.ready_for_review",
            target=version.engagement,
            actor=actor,
            context={"version": version.number, "price": str(version.price), "review": "ta"},
            recipients=_tas(),
            account=version.engagement.account,
        )


def review_link_create(*, version: EstimateVersion, actor: Actor) -> Shared:
    """A signed link to `version` valid for the policy's days (audited `estimates.link_created`)."""
    with transaction.atomic():
        now = clock.now()
        link = ReviewLink.objects.create(
            version=version,
            nonce=secrets.token_hex(16),
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(days=policy_get().review_link_days),
        )
        audit_record(
            verb="estimates.link_created",
            actor=actor,
            target=version,
            after={"link": link.pk, "expires_at": link.expires_at},
        )
        return Shared(version=version, link=link, token=review_token_for(link))


def estimate_version_share(*, version_id: int, actor: Actor) -> Shared:
    """Share a version with the customer: freeze it (no more edits), create a review link, and when its
    total is strictly above the TA threshold set `TA::Needs-Review` and notify the TAs.

    Sharing an already shared version only creates a fresh link. Raises ValidationFailed for a version
    without lines. Audited `estimates.version_shared`.
    """
    permission_require(actor, EDIT)
    with transaction.atomic():
        v = (
            EstimateVersion.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("engagement", "engagement__account")
            .filter(pk=version_id)
            .first()
        )
        if v is None:
            raise NotFound(f"estimate version {version_id} not found")
        if not v.lines.exists():
            raise ValidationFailed("An estimate without lines cannot be shared.", details={"field": "lines"})
        if not v.is_shared:
            v.status = VersionStatus.SHARED
            v.shared_at = clock.now()
            v.save(update_fields=["status", "shared_at"])
            audit_record(
                verb="estimates.version_shared",
                actor=actor,
                target=v,
                before={"status": VersionStatus.DRAFT},
                after={"status": VersionStatus.SHARED, "price": v.price},
            )
            _ta_label_for(v, actor)
        return review_link_create(version=v, actor=actor)


def review_link_revoke(*, link_id: int, actor: Actor) -> ReviewLink:
    """Revoke a link at once (audited). Revoking twice changes nothing."""
    permission_require(actor, EDIT)
    with transaction.atomic():
        link = (
            ReviewLink.objects.select_for_update(of=("self",))
            .filter(pk=link_id, version__in=EstimateVersion.objects.visible_to(actor))
            .select_related("version")
            .first()
        )
        if link is None:
            raise NotFound(f"review link {link_id} not found")
        if link.revoked_at is None:
            link.revoked_at = clock.now()
            link.save(update_fields=["revoked_at"])
            audit_record(verb="estimates.link_revoked", actor=actor, target=link.version, after={"link": link.pk})
        return link


def estimate_review_record(*, version_id: int, actor: Actor, decision: str, comment: str = "") -> EstimateReview:
    """A TA approves a version or requests changes (comment required): the one record of a TA review.

    The approval belongs to that version: the `start_sow` guard (`estimate_agreed_and_ta_approved_refusal`)
    and the card's Approvals panel (`ta_review_state`) read these rows. The engagement's `TA::` label
    displays the decision (`TA::Approved`, or `TA::Needs-Review` back for changes); it is set here, not
    by a label move. Every path that offers a TA approval calls this: the estimate page, the card's
    Approvals panel, `POST /api/v1/estimates/versions/<id>/reviews` and `psdesk estimate review`.
    Audited `estimates.ta_reviewed`; the EM is notified. Raises ValidationFailed, PermissionDenied,
    NotFound."""
    permission_require(actor, REVIEW)
    if decision not in ReviewDecision.values:
        raise ValidationFailed("Decision must be approved or changes_requested.", details={"field": "decision"})
    comment = (comment or "").strip()
    if decision == ReviewDecision.CHANGES_REQUESTED and not comment:
        raise ValidationFailed("Say what should change.", details={"field": "comment"})
    with transaction.atomic():
        v = (
            EstimateVersion.objects.visible_to(actor)
            .select_related("engagement", "engagement__account", "engagement__em")
            .filter(pk=version_id)
            .first()
        )
        if v is None:
            raise NotFound(f"estimate version {version_id} not found")
        review = EstimateReview.objects.create(
            version=v, reviewer=actor, decision=decision, comment=comment, created_at=clock.now()
        )
        audit_record(
            verb="estimates.ta_reviewed",
            actor=actor,
            target=v,
            after={"version": v.number, "decision": decision, "comment": comment},
        )
        label = TA_APPROVED if decision == ReviewDecision.APPROVED else TA_NEEDS_REVIEW
        engagement_label_set(engagement=v.engagement, label=label, actor=actor, reason=f"TA review of v{v.number}")
        _notify(
            event="approval.decided",
            target=v.engagement,
            actor=actor,
            context={"version": v.number, "decision": decision, "comment": comment},
            recipients=[v.engagement.em] if v.engagement.em else [],
            account=v.engagement.account,
        )
        return review


def _customer_label(name: str, email: str) -> str:
    return f"customer {name} <{email}>"


def _clean_person(name: str, email: str) -> tuple[str, str]:
    name = (name or "").strip()[:200]
    email = (email or "").strip()[:254]
    if not name:
        raise ValidationFailed("Please give your name.", details={"field": "name"})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed("Please give a valid email address.", details={"field": "email"}) from None
    return name, email


def customer_feedback_record(*, token: str, name: str, email: str, message: str) -> CustomerFeedback:
    """Feedback from the customer through a live review link (audited, EM notified)."""
    link = review_link_resolve(token)
    name, email = _clean_person(name, email)
    message = (message or "").strip()[:10_000]
    if not message:
        raise ValidationFailed("Please write your feedback.", details={"field": "message"})
    v = link.version
    with transaction.atomic():
        fb = CustomerFeedback.objects.create(
            version=v,
            link=link,
            kind=FeedbackKind.COMMENT,
            name=name,
            email=email,
            message=message,
            created_at=clock.now(),
        )
        audit_record(
            verb="estimates.customer_feedback",
            actor=_customer_label(name, email),
            target=v.engagement,
            after={"version": v.number, "message": message, "email": email},
        )
        _notify(
            event="estimate.ready_for_review",
            target=v.engagement,
            actor=None,
            context={"version": v.number, "feedback": message, "customer": name, "review": "customer_feedback"},
            recipients=[v.engagement.em] if v.engagement.em_id else [],
            account=v.engagement.account,
        )
        return fb


def customer_agreement_record(*, token: str, name: str, email: str) -> tuple[CustomerFeedback, bool]:
    """ "We agree to this price and scope" on the link's version. Idempotent: a second agreement on the
    same version returns the first (created=False) and records nothing. Audited, EM notified."""
    link = review_link_resolve(token)
    name, email = _clean_person(name, email)
    v = link.version
    existing = agreement_get(v)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            fb = CustomerFeedback.objects.create(
                version=v,
                link=link,
                kind=FeedbackKind.AGREEMENT,
                name=name,
                email=email,
                message="We agree to this price and scope.",
                created_at=clock.now(),
            )
            audit_record(
                verb="estimates.customer_agreed",
                actor=_customer_label(name, email),
                target=v.engagement,
                after={"version": v.number, "price": v.price, "currency": v.currency, "name": name, "email": email},
            )
            _notify(
                event="customer.agreed",
                target=v.engagement,
                actor=None,
                context={"version": v.number, "price": str(v.price), "customer": name},
                recipients=[v.engagement.em] if v.engagement.em_id else [],
                account=v.engagement.account,
            )
            who = _customer_label(name, email)
            _agreed_value_follow(v, who)
            for hook in AFTER_AGREEMENT_HOOKS:
                hook(engagement=v.engagement, actor=who)
            return fb, True
    except IntegrityError:  # a concurrent double click: the other request recorded it
        existing = agreement_get(v)
        if existing is None:
            raise
        return existing, False


def estimate_pdf_render_request(version_id: int) -> None:
    """The version's content changed: the worker renders its customer PDF after commit (stored by
    content hash), so the next download serves the stored file."""
    transaction.on_commit(lambda: tasks.estimate_pdf_render_task.enqueue(version_id), robust=True)
