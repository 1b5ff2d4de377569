"""Quote writes. Every change is audited; lines change only while the quote is a draft; the state
moves only through `quote_transition`. Refusals raise and write nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max

from psdesk.audit.services import audit_record
from psdesk.audit.transitions import Applied, transition_apply
from psdesk.catalog.models import Sku
from psdesk.catalog.selectors import pricing_policy_get
from psdesk.core import clock
from psdesk.core.errors import Conflict, NotFound, ValidationFailed
from psdesk.core.money import quantize
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.core.workflow import Move
from psdesk.crm.choices import TERMINAL_STAGES
from psdesk.crm.models import Opportunity
from psdesk.crm.services import opportunity_value_follow
from psdesk.notifications.services import outbox_enqueue
from psdesk.quotes import pricing, tasks
from psdesk.quotes.choices import QuoteStatus
from psdesk.quotes.models import Quote, QuoteLine
from psdesk.quotes.workflow import QUOTE_WORKFLOW


def _parse(fn: Any, value: object, **kw: Any) -> Any:
    try:
        return fn(value, **kw)
    except pricing.QuotePricingError as exc:
        raise ValidationFailed(str(exc), details={"field": kw.get("field", "")}) from None


def _locked_draft(*, quote_id: int, actor: Actor, expected_version: int | None) -> Quote:
    """Lock a visible quote for editing; refuse unless it is a draft and the version matches."""
    quote = (
        Quote.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("opportunity")
        .filter(pk=quote_id)
        .first()
    )
    if quote is None:
        raise NotFound(f"quote {quote_id} not found")
    if expected_version is not None and expected_version != quote.version:
        raise Conflict(
            "This quote changed since you loaded it; reload and try again.",
            code="stale",
            details={"expected_version": expected_version, "current_version": quote.version},
        )
    if quote.state != QuoteStatus.DRAFT:
        raise Conflict(
            f"Quote {quote.number} is {quote.get_state_display().lower()}; only a draft quote can be edited.",
            code="quote_locked",
            details={"state": quote.state},
        )
    return quote


def order_form_render_request(quote_id: int) -> None:
    """The order form's content changed: the worker renders it after commit (by content hash), so
    the next download serves the stored PDF."""
    transaction.on_commit(lambda: tasks.order_form_render_task.enqueue(quote_id), robust=True)


def _touch(quote: Quote) -> None:
    quote.version += 1
    quote.updated_at = clock.now()
    quote.save(update_fields=["version", "updated_at", "discount_pct"])
    order_form_render_request(quote.pk)


def _next_number() -> str:
    last = Quote.objects.aggregate(m=Max("id"))["m"] or 0
    n = last + 1
    while Quote.objects.filter(number=f"Q-{n:06d}").exists():
        n += 1
    return f"Q-{n:06d}"


def quote_create(*, opportunity_id: int, actor: Actor, currency: str | None = None) -> Quote:
    """Start a draft quote on an open opportunity the actor may see. The first live quote of the
    opportunity becomes its primary quote. Raises PermissionDenied, NotFound, ValidationFailed."""
    permission_require(actor, "quotes.add_quote")
    with transaction.atomic():
        opp = Opportunity.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=opportunity_id).first()
        if opp is None:
            raise NotFound(f"opportunity {opportunity_id} not found")
        if opp.stage in TERMINAL_STAGES:
            raise ValidationFailed(f"The opportunity is {opp.get_stage_display()}; no new quotes.")
        has_primary = Quote.objects.filter(opportunity=opp, is_primary=True).exists()
        quote = Quote.objects.create(
            opportunity=opp,
            number=_next_number(),
            currency=(currency or opp.currency).upper(),
            is_primary=not has_primary,
            created_by=actor,
        )
        audit_record(
            verb="quotes.quote_created",
            actor=actor,
            target=quote,
            after={"opportunity": opp.pk, "currency": quote.currency, "is_primary": quote.is_primary},
        )
    return quote


def _sync_addons(line: QuoteLine) -> None:
    """Keep the seat add-on line of a course line in step with its attendees (or remove it)."""
    sku = line.sku
    needed = 0
    if line.attendees:
        per_session = pricing.seat_addons_needed(
            attendees=line.attendees,
            class_size=sku.class_size,
            addons_per_extra_attendee=sku.seat_addons_per_extra_attendee,
        )
        needed = per_session * line.quantity
    existing = list(line.addons.all())
    if needed == 0:
        for a in existing:
            a.delete()
        return
    code = pricing_policy_get().seat_addon_sku_code
    addon_sku = Sku.objects.filter(code=code).first()
    if addon_sku is None:
        raise ValidationFailed(
            f"{line.attendees} attendees exceed the class size of {sku.class_size}, but the seat add-on SKU "
            f"{code} is not in the catalog.",
            details={"field": "attendees"},
        )
    if addon_sku.currency != line.quote.currency:
        raise ValidationFailed(
            f"The seat add-on SKU {code} is priced in {addon_sku.currency}, not {line.quote.currency}."
        )
    if existing:
        addon = existing[0]
        addon.quantity = needed
        addon.save(update_fields=["quantity"])
        for extra in existing[1:]:
            extra.delete()
        return
    QuoteLine.objects.create(
        quote=line.quote,
        position=line.position,
        sku=addon_sku,
        name=f"{addon_sku.name} (for {sku.code})",
        service_description=addon_sku.description,
        delivery=addon_sku.delivery,
        quantity=needed,
        catalog_price=addon_sku.price,
        unit_price=addon_sku.price,
        addon_for=line,
    )


def _price_and_reason(sku: Sku, unit_price: object | None, reason: str) -> tuple[Decimal, str]:
    if unit_price is None or unit_price == "":
        return sku.price, ""
    price = _parse(pricing.price_parse, unit_price, field="unit_price")
    if price != sku.price and not reason.strip():
        raise ValidationFailed(
            f"The unit price {price} differs from the catalog price {sku.price}; give a reason for the override.",
            details={"field": "price_override_reason"},
        )
    return price, (reason.strip() if price != sku.price else "")


def quote_line_add(
    *,
    quote_id: int,
    actor: Actor,
    sku_code: str,
    quantity: object = 1,
    unit_price: object | None = None,
    price_override_reason: str = "",
    discount_pct: object = "0",
    attendees: int | None = None,
    expected_version: int | None = None,
) -> QuoteLine:
    """Add an active catalog SKU to a draft quote. Unit price defaults to the catalog price; a
    different price needs a reason and writes a `quotes.price_overridden` audit row. Attendees beyond
    the course's class size add seat add-on lines. Raises NotFound, Conflict (not a draft / stale),
    ValidationFailed (unknown or inactive SKU, currency mismatch, bad quantity/price/discount)."""
    permission_require(actor, "quotes.change_quote")
    qty = _parse(pricing.quantity_parse, quantity, field="quantity")
    disc = _parse(pricing.discount_parse, discount_pct, field="discount_pct")
    if attendees is not None and (not isinstance(attendees, int) or attendees < 0 or attendees > 100_000):
        raise ValidationFailed("attendees must be a whole number from 0.", details={"field": "attendees"})
    with transaction.atomic():
        quote = _locked_draft(quote_id=quote_id, actor=actor, expected_version=expected_version)
        sku = Sku.objects.filter(code=sku_code.strip()).first()
        if sku is None:
            raise ValidationFailed(f"Unknown SKU '{sku_code}'.", details={"field": "sku_code"})
        if not sku.active:
            raise ValidationFailed(
                f"SKU {sku.code} is inactive and cannot be added to a quote.", details={"field": "sku_code"}
            )
        if sku.currency != quote.currency:
            raise ValidationFailed(
                f"SKU {sku.code} is priced in {sku.currency} but quote {quote.number} is in {quote.currency}; "
                "all lines of a quote share one currency.",
                details={"field": "sku_code"},
            )
        price, reason = _price_and_reason(sku, unit_price, price_override_reason)
        position = (quote.lines.aggregate(m=Max("position"))["m"] or 0) + 1
        line = QuoteLine.objects.create(
            quote=quote,
            position=position,
            sku=sku,
            name=sku.name,
            service_description=sku.description,
            delivery=sku.delivery,
            quantity=qty,
            catalog_price=sku.price,
            unit_price=price,
            price_override_reason=reason,
            discount_pct=disc,
            attendees=attendees,
        )
        _sync_addons(line)
        _touch(quote)
        audit_record(
            verb="quotes.line_added",
            actor=actor,
            target=quote,
            after={"line": line.pk, "sku": sku.code, "quantity": qty, "unit_price": price, "discount_pct": disc},
        )
        if reason:
            audit_record(
                verb="quotes.price_overridden",
                actor=actor,
                target=quote,
                before={"sku": sku.code, "unit_price": sku.price},
                after={"sku": sku.code, "unit_price": price},
                reason=reason,
            )
    return line


_UNSET: Any = object()


def quote_line_update(
    *,
    quote_id: int,
    line_id: int,
    actor: Actor,
    quantity: object = _UNSET,
    unit_price: object = _UNSET,
    price_override_reason: str = "",
    discount_pct: object = _UNSET,
    attendees: object = _UNSET,
    expected_version: int | None = None,
) -> QuoteLine:
    """Change a line of a draft quote (seat add-on lines follow their course line and are not
    edited directly). Same rules and audit rows as `quote_line_add`."""
    permission_require(actor, "quotes.change_quote")
    with transaction.atomic():
        quote = _locked_draft(quote_id=quote_id, actor=actor, expected_version=expected_version)
        line = quote.lines.select_related("sku").filter(pk=line_id).first()
        if line is None:
            raise NotFound(f"line {line_id} not found on quote {quote.number}")
        if line.addon_for_id:
            raise ValidationFailed("Seat add-on lines follow their course's attendees; edit the course line.")
        before = {
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_pct": line.discount_pct,
            "attendees": line.attendees,
        }
        if quantity is not _UNSET:
            line.quantity = _parse(pricing.quantity_parse, quantity, field="quantity")
        if discount_pct is not _UNSET:
            line.discount_pct = _parse(pricing.discount_parse, discount_pct, field="discount_pct")
        if attendees is not _UNSET:
            if attendees is not None and (not isinstance(attendees, int) or attendees < 0 or attendees > 100_000):
                raise ValidationFailed("attendees must be a whole number from 0.", details={"field": "attendees"})
            line.attendees = attendees
        overridden = False
        if unit_price is not _UNSET:
            price, reason = _price_and_reason(line.sku, unit_price, price_override_reason)
            if price != line.unit_price and price != line.catalog_price:
                overridden = True
            line.unit_price, line.price_override_reason = price, reason
        line.save()
        _sync_addons(line)
        _touch(quote)
        after = {
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_pct": line.discount_pct,
            "attendees": line.attendees,
        }
        audit_record(
            verb="quotes.line_changed",
            actor=actor,
            target=quote,
            before={"line": line.pk, **before},
            after={"line": line.pk, **after},
        )
        if overridden:
            audit_record(
                verb="quotes.price_overridden",
                actor=actor,
                target=quote,
                before={"sku": line.sku.code, "unit_price": before["unit_price"]},
                after={"sku": line.sku.code, "unit_price": line.unit_price},
                reason=line.price_override_reason,
            )
    return line


def quote_line_remove(*, quote_id: int, line_id: int, actor: Actor, expected_version: int | None = None) -> None:
    """Remove a line (and its seat add-on) from a draft quote (audited)."""
    permission_require(actor, "quotes.change_quote")
    with transaction.atomic():
        quote = _locked_draft(quote_id=quote_id, actor=actor, expected_version=expected_version)
        line = quote.lines.filter(pk=line_id).select_related("sku").first()
        if line is None:
            raise NotFound(f"line {line_id} not found on quote {quote.number}")
        if line.addon_for_id:
            raise ValidationFailed("Seat add-on lines follow their course's attendees; edit the course line.")
        code = line.sku.code
        line.delete()
        _touch(quote)
        audit_record(verb="quotes.line_removed", actor=actor, target=quote, before={"line": line_id, "sku": code})


def quote_discount_set(
    *, quote_id: int, actor: Actor, discount_pct: object, expected_version: int | None = None
) -> Quote:
    """Set the quote-level discount (0-100 %, at most 2 decimals) of a draft quote (audited)."""
    permission_require(actor, "quotes.change_quote")
    disc = _parse(pricing.discount_parse, discount_pct, field="discount_pct")
    with transaction.atomic():
        quote = _locked_draft(quote_id=quote_id, actor=actor, expected_version=expected_version)
        before = quote.discount_pct
        quote.discount_pct = disc
        _touch(quote)
        audit_record(
            verb="quotes.discount_set",
            actor=actor,
            target=quote,
            before={"discount_pct": before},
            after={"discount_pct": disc},
        )
    return quote


def quote_make_primary(*, quote_id: int, actor: Actor) -> Quote:
    """Make a live quote the opportunity's primary quote (the previous primary stops being one)."""
    permission_require(actor, "quotes.change_quote")
    with transaction.atomic():
        quote = Quote.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=quote_id).first()
        if quote is None:
            raise NotFound(f"quote {quote_id} not found")
        if quote.state == QuoteStatus.CANCELLED:
            raise ValidationFailed("A cancelled quote cannot be primary.")
        if quote.is_primary:
            return quote
        previous = Quote.objects.filter(opportunity_id=quote.opportunity_id, is_primary=True).first()
        if previous is not None and previous.state == QuoteStatus.SIGNED:
            raise Conflict(f"The signed quote {previous.number} stays primary.", code="primary_signed")
        Quote.objects.filter(opportunity_id=quote.opportunity_id, is_primary=True).update(is_primary=False)
        quote.is_primary = True
        quote.version += 1
        quote.save(update_fields=["is_primary", "version"])
        audit_record(
            verb="quotes.made_primary",
            actor=actor,
            target=quote,
            before={"primary": previous.number if previous else None},
            after={"primary": quote.number},
        )
    return quote


def _before_save(quote: Any, move: Move, source: str, target: str, data: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    extra: dict[str, Any] = {"updated_at": now}
    if target == QuoteStatus.SENT:
        extra["sent_at"] = now
    elif target == QuoteStatus.SIGNED:
        extra.update(
            signer_name=str(data["signer_name"]).strip()[:200],
            signed_on=data["signed_on"],
            po_number=str(data.get("po_number") or "").strip()[:64],
            signed_at=now,
        )
    elif target == QuoteStatus.CANCELLED:
        extra["is_primary"] = False
    return extra


def _record_signed_on_opportunity(applied: Applied, ctx: Any) -> None:
    """When the primary quote is signed, the opportunity's value follows the signed order form:
    education value from its Education lines, PS value from the others (after discounts), amount
    their sum, and the PO number (audited `crm.opportunity_value_followed`)."""
    quote = applied.obj
    if applied.target != QuoteStatus.SIGNED or not quote.is_primary:
        return
    totals = quote.totals()
    lines = list(quote.lines.select_related("sku"))
    edu = sum(
        (a.net for li, a in zip(lines, totals.lines, strict=True) if li.sku.category == "Education"), Decimal("0.00")
    )
    opportunity_value_follow(
        opportunity_id=quote.opportunity_id,
        actor=ctx.actor,
        source=f"signed order form {quote.number}",
        ps_value=totals.total - edu,
        education_value=edu,
        po_number=quote.po_number,
    )
    # The billing system (built-in by default, Zuora when configured) gets the signed order form,
    # after commit, from the outbox; the stable key makes a redelivery a no-op at the target.
    outbox_enqueue(
        target="quotes",
        operation="quote_push",
        destination=quote.number,
        event="quote.signed",
        payload={
            "ref": quote.number,
            "account": quote.opportunity.account.name,
            "currency": quote.currency,
            "lines": [
                # the net unit price after line and quote discounts, in cents (Decimal, half up)
                {"sku": li.sku.code, "quantity": li.quantity, "unit_price": str(quantize(a.net / li.quantity))}
                for li, a in zip(lines, totals.lines, strict=True)
            ],
        },
        source=quote,
        pubsec=quote.opportunity.account.us_public_sector,
        idempotency_key=f"quotes:quote:{quote.pk}:signed",
    )


def _order_form_follow(applied: Applied, ctx: Any) -> None:
    """After a move: the order form shows the status' signer, date and PO, so it renders anew."""
    order_form_render_request(applied.obj.pk)


def quote_transition(
    *,
    quote_id: int,
    action: str,
    actor: Actor,
    reason: str = "",
    expected_version: int | None = None,
    signer_name: str = "",
    signed_on: datetime.date | None = None,
    po_number: str = "",
) -> Applied:
    """Move a quote: send, revise, mark_signed (signer name + date, optional PO), cancel (reason).
    Row lock, guards, audit row `quotes.<action>` in one transaction. Raises BadRequest (unknown
    action), NotFound, Conflict (stale) or TransitionNotAllowed (with the reason)."""
    data = {"signer_name": signer_name, "signed_on": signed_on, "po_number": po_number}
    return transition_apply(
        workflow=QUOTE_WORKFLOW,
        queryset=Quote.objects.visible_to(actor).select_related("opportunity"),
        pk=quote_id,
        action=action,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        data=data,
        before_save=lambda q, m, s, t: _before_save(q, m, s, t, data),
        after=[_record_signed_on_opportunity, _order_form_follow],
    )
