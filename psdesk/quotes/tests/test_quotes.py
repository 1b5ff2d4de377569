"""Quote services: lines, add-ons, overrides, bad input, the lifecycle and Closed Won."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.catalog.models import Sku
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.crm.choices import OpportunityStage
from psdesk.crm.models import Opportunity
from psdesk.crm.services import opportunity_transition
from psdesk.crm.workflow import CUSTOM_ENGAGEMENT_REFUSAL
from psdesk.quotes.choices import QuoteStatus
from psdesk.quotes.documents import order_form_pdf
from psdesk.quotes.models import Quote, QuoteLine
from psdesk.quotes.services import (
    quote_create,
    quote_discount_set,
    quote_line_add,
    quote_line_remove,
    quote_line_update,
    quote_make_primary,
    quote_transition,
)

pytestmark = pytest.mark.django_db
NO = dict[str, Any]()


def _state(q: Quote) -> tuple[Any, ...]:
    q.refresh_from_db()
    return (q.state, q.version, q.discount_pct, list(q.lines.values_list("sku__code", "quantity", "unit_price")))


def test_thirteen_attendees_on_a_twelve_seat_course_add_one_seat_addon(people: Any, make_quote: Any) -> None:
    q = make_quote((("GL-CICD-R", 1, {"attendees": 13}),))
    lines = list(q.lines.order_by("id").values_list("sku__code", "quantity", "unit_price", "addon_for_id"))
    assert lines == [
        ("GL-CICD-R", 1, Decimal("5000.00"), None),
        ("SRV-PERSEAT-R", 1, Decimal("500.00"), q.lines.get(sku__code="GL-CICD-R").pk),
    ]
    assert q.totals().total == Decimal("5500.00")


def test_seat_addons_follow_the_attendees_and_devops_fundamentals_needs_four(people: Any, make_quote: Any) -> None:
    q = make_quote((("GL-DOF", 1, {"attendees": 14}),))
    addon = QuoteLine.objects.get(quote=q, addon_for__isnull=False)
    assert addon.quantity == 8
    course = QuoteLine.objects.get(quote=q, addon_for__isnull=True)
    quote_line_update(quote_id=q.pk, line_id=course.pk, actor=people.alice, attendees=12)
    assert not QuoteLine.objects.filter(quote=q, addon_for__isnull=False).exists()


def test_overriding_the_catalog_price_needs_a_reason_and_is_audited(people: Any, make_quote: Any) -> None:
    q = make_quote()
    with pytest.raises(ValidationFailed, match="give a reason"):
        quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-JIRA", unit_price="2000.00")
    assert q.lines.count() == 0
    line = quote_line_add(
        quote_id=q.pk, actor=people.alice, sku_code="GL-JIRA", unit_price="2000.00", price_override_reason="loyalty"
    )
    assert (line.catalog_price, line.unit_price, line.price_overridden) == (
        Decimal("2400.00"),
        Decimal("2000.00"),
        True,
    )
    ev = AuditEvent.objects.get(verb="quotes.price_overridden")
    assert (ev.reason, ev.before["unit_price"], ev.after["unit_price"], ev.actor_id) == (
        "loyalty",
        "2400.00",
        "2000.00",
        people.alice.pk,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sku_code": "GL-JIRA", "quantity": -1}, "at least 1"),
        ({"sku_code": "GL-JIRA", "unit_price": "-5.00", "price_override_reason": "x"}, "negative"),
        ({"sku_code": "GL-JIRA", "discount_pct": "100.01"}, "between 0 and 100"),
        ({"sku_code": "GL-JIRA", "discount_pct": "10.125"}, "at most 2 decimal"),
        ({"sku_code": "NOPE"}, "Unknown SKU 'NOPE'"),
        ({"sku_code": "GL-JIRA", "unit_price": 2400.0}, "not a float"),
    ],
)
def test_bad_line_input_is_refused_and_nothing_is_written(
    people: Any, make_quote: Any, kwargs: dict[str, Any], message: str
) -> None:
    q = make_quote((("GL-LDAP", 1, NO),))
    before, n = _state(q), AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match=message):
        quote_line_add(quote_id=q.pk, actor=people.alice, **kwargs)
    assert _state(q) == before and AuditEvent.objects.count() == n


def test_an_inactive_sku_cannot_be_added_to_a_new_quote(people: Any, make_quote: Any) -> None:
    Sku.objects.filter(code="GL-JENKINS").update(active=False)
    q = make_quote()
    with pytest.raises(ValidationFailed, match="GL-JENKINS is inactive"):
        quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-JENKINS")
    assert q.lines.count() == 0


def test_a_currency_mismatch_between_lines_is_refused(people: Any, make_quote: Any) -> None:
    Sku.objects.create(
        code="GL-BAS-EUR",
        name="Basics (EUR)",
        category="Education",
        type="Education - Standard",
        price="4500.00",
        currency="EUR",
        unit="session",
        description="Basics in euros",
    )
    q = make_quote((("GL-BAS-R", 1, NO),))
    with pytest.raises(ValidationFailed, match=r"priced in EUR but quote .* is in USD"):
        quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-BAS-EUR")
    assert q.lines.count() == 1


def test_quote_level_discount_is_limited_to_two_decimals(people: Any, make_quote: Any) -> None:
    q = make_quote((("GL-RR-COM", 1, NO),))
    with pytest.raises(ValidationFailed, match="at most 2 decimal"):
        quote_discount_set(quote_id=q.pk, actor=people.alice, discount_pct="7.125")
    quote_discount_set(quote_id=q.pk, actor=people.alice, discount_pct="7.5")
    q.refresh_from_db()
    assert q.totals().total == Decimal("16187.50")
    ev = AuditEvent.objects.filter(verb="quotes.discount_set").get()
    assert (ev.before, ev.after) == ({"discount_pct": "0.00"}, {"discount_pct": "7.5"})


def _send_and_sign(q: Quote, people: Any, *, po: str = "") -> None:
    quote_transition(quote_id=q.pk, action="send", actor=people.alice)
    quote_transition(
        quote_id=q.pk,
        action="mark_signed",
        actor=people.alice,
        signer_name="Cam Customer",
        signed_on=date(2026, 11, 26),
        po_number=po,
    )


def test_a_signed_quote_cannot_be_edited(people: Any, make_quote: Any, frozen_clock: Any) -> None:
    q = make_quote((("GL-LDAP", 1, NO),))
    _send_and_sign(q, people, po="PO-77")
    before, n = _state(q), AuditEvent.objects.count()
    line = q.lines.get()
    for attempt in (
        lambda: quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-JIRA"),
        lambda: quote_line_update(quote_id=q.pk, line_id=line.pk, actor=people.alice, quantity=3),
        lambda: quote_line_remove(quote_id=q.pk, line_id=line.pk, actor=people.alice),
        lambda: quote_discount_set(quote_id=q.pk, actor=people.alice, discount_pct="5"),
    ):
        with pytest.raises(Conflict, match="signed; only a draft quote can be edited"):
            attempt()
    with pytest.raises(TransitionNotAllowed):
        quote_transition(quote_id=q.pk, action="cancel", actor=people.alice, reason="r")
    assert _state(q) == before and AuditEvent.objects.count() == n
    assert (q.signer_name, q.signed_on, q.po_number) == ("Cam Customer", date(2026, 11, 26), "PO-77")
    opp = Opportunity.objects.get(pk=q.opportunity_id)
    assert (opp.po_number, opp.education_value) == ("PO-77", Decimal("0.00"))  # LDAP is consulting


def test_signing_the_order_form_sets_the_opportunitys_ps_value_education_value_and_amount(
    people: Any, make_quote: Any, frozen_clock: Any
) -> None:
    q = make_quote((("GL-BAS-R", 1, {"attendees": 13, "discount_pct": "10"}), ("GL-JIRA", 1, NO)))
    total = q.totals().total
    before = Opportunity.objects.get(pk=q.opportunity_id).amount
    _send_and_sign(q, people)
    opp = Opportunity.objects.get(pk=q.opportunity_id)
    assert opp.education_value == Decimal("5000.00")  # 4500 course + 500 seat add-on
    assert (opp.ps_value, opp.amount) == (total - Decimal("5000.00"), total)
    ev = AuditEvent.objects.filter(verb="crm.opportunity_value_followed").get()
    assert ev.reason == f"signed order form {q.number}"
    assert ev.before["amount"] == str(before) and ev.after["amount"] == str(total)


def test_sending_needs_lines_and_signing_needs_a_signer_and_a_past_date(
    people: Any, make_quote: Any, frozen_clock: Any
) -> None:
    q = make_quote()
    with pytest.raises(TransitionNotAllowed, match="at least one SKU line"):
        quote_transition(quote_id=q.pk, action="send", actor=people.alice)
    quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-LDAP")
    quote_transition(quote_id=q.pk, action="send", actor=people.alice)
    with pytest.raises(TransitionNotAllowed, match="name of the customer's signer"):
        quote_transition(quote_id=q.pk, action="mark_signed", actor=people.alice, signed_on=date(2026, 11, 26))
    with pytest.raises(TransitionNotAllowed, match="cannot be in the future"):
        quote_transition(
            quote_id=q.pk, action="mark_signed", actor=people.alice, signer_name="C", signed_on=date(2026, 11, 28)
        )
    with pytest.raises(PermissionDenied, match="permission"):
        quote_transition(
            quote_id=q.pk, action="mark_signed", actor=people.erin, signer_name="C", signed_on=date(2026, 11, 26)
        )
    assert Quote.objects.get(pk=q.pk).state == QuoteStatus.SENT


def test_closed_won_needs_the_signed_primary_quote(people: Any, make_quote: Any, frozen_clock: Any) -> None:
    q = make_quote((("GL-BAS", 1, {"attendees": 13}),))
    opp = q.opportunity
    with pytest.raises(TransitionNotAllowed, match=f"primary quote {q.number} is draft"):
        opportunity_transition(opportunity_id=opp.pk, action="close_won", actor=people.alice)
    _send_and_sign(q, people)
    opportunity_transition(opportunity_id=opp.pk, action="close_won", actor=people.alice)
    opp.refresh_from_db()
    assert opp.stage == OpportunityStage.CLOSED_WON
    ev = AuditEvent.objects.filter(verb="crm_opportunity.close_won").get()
    assert ev.after["stage"] == "closed_won"


def test_a_cancelled_quote_leaves_the_opportunity_a_custom_engagement(people: Any, make_quote: Any) -> None:
    q = make_quote((("GL-LDAP", 1, NO),))
    quote_transition(quote_id=q.pk, action="cancel", actor=people.alice, reason="customer wants custom scope")
    q.refresh_from_db()
    assert (q.state, q.is_primary) == (QuoteStatus.CANCELLED, False)
    with pytest.raises(TransitionNotAllowed) as exc:
        opportunity_transition(opportunity_id=q.opportunity_id, action="close_won", actor=people.alice)
    assert exc.value.message == CUSTOM_ENGAGEMENT_REFUSAL


def test_only_one_primary_quote_per_opportunity(people: Any, make_quote: Any) -> None:
    first = make_quote()
    second = quote_create(opportunity_id=first.opportunity_id, actor=people.alice)
    assert (first.is_primary, second.is_primary) == (True, False)
    quote_make_primary(quote_id=second.pk, actor=people.alice)
    assert list(Quote.objects.filter(opportunity=first.opportunity, is_primary=True)) == [second]


def test_roles_and_pubsec(people: Any, make_account: Any, make_opportunity: Any, catalog: Any) -> None:
    opp = make_opportunity()
    with pytest.raises(PermissionDenied):
        quote_create(opportunity_id=opp.pk, actor=people.erin)
    from psdesk.accounts.services import pubsec_membership_grant

    pubsec_membership_grant(user=people.mona, actor=people.oscar)
    people.mona = type(people.mona).objects.get(pk=people.mona.pk)  # drop cached roles and perms
    agency = make_opportunity(make_account("Agency", pubsec=True), owner="mona")
    with pytest.raises(NotFound):
        quote_create(opportunity_id=agency.pk, actor=people.alice)
    q = quote_create(opportunity_id=agency.pk, actor=people.mona)
    with pytest.raises(NotFound):
        quote_line_add(quote_id=q.pk, actor=people.alice, sku_code="GL-LDAP")
    assert Quote.objects.visible_to(people.pat).filter(pk=q.pk).exists()
    assert not Quote.objects.visible_to(people.erin).filter(pk=q.pk).exists()


def test_the_order_form_pdf_has_the_lines_totals_descriptions_and_travel_note(
    people: Any, make_quote: Any, tmp_path: Path, frozen_clock: Any
) -> None:
    q = make_quote((("GL-BAS", 2, {"attendees": 13, "discount_pct": "10"}), ("GL-JIRA", 1, NO)))
    quote_discount_set(quote_id=q.pk, actor=people.alice, discount_pct="5")
    q.refresh_from_db()
    pdf = tmp_path / "order.pdf"
    pdf.write_bytes(order_form_pdf(q))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)$", info, re.MULTILINE)
    assert pages is not None
    assert int(pages.group(1)) in (2, 3)  # the cover, then one or two pages; the break depends on the fonts
    assert f"Order Form {q.number}" in text
    for needle in (
        "GL-BAS",
        "SRV-PERSEAT-R",
        "GL-JIRA",
        "17400.00",
        "12600.00",
        "Instructor-led Git",
        "Travel and expenses",
    ):
        assert needle in text, needle
    # 2 x 7000 - 10 % = 12600; 2 add-ons = 1000; Jira 2400 -> 16000 - 5 % = 15200
    assert "USD 15200.00" in text
    assert q.totals().total == Decimal("15200.00")
    assert Opportunity.objects.get(pk=q.opportunity_id).account.name in text


def test_a_signed_primary_quote_is_pushed_to_billing_through_the_outbox_once(
    people: Any, make_quote: Any, frozen_clock: Any
) -> None:
    from psdesk.notifications.delivery import outbox_deliver_one
    from psdesk.notifications.models import OutboxMessage

    q = make_quote((("GL-BAS-R", 2, {"discount_pct": "10"}),))
    assert not OutboxMessage.objects.filter(target="quotes").exists()
    _send_and_sign(q, people)
    [msg] = OutboxMessage.objects.filter(target="quotes")
    assert msg.idempotency_key == f"quotes:quote:{q.pk}:signed"
    assert msg.payload["lines"] == [{"sku": "GL-BAS-R", "quantity": 2, "unit_price": "4500.00"}]
    assert outbox_deliver_one(message_id=msg.pk).result == "sent"  # the built-in billing adapter


def test_the_order_form_reads_as_a_customer_document(people: Any, make_quote: Any, frozen_clock: Any) -> None:
    from psdesk.branding.document import content_problems
    from psdesk.branding.rendering import pdf_text

    q = make_quote((("GL-BAS", 2, {"attendees": 13}), ("GL-JIRA", 1, NO)))
    text = pdf_text(order_form_pdf(q))
    assert content_problems(text) == []
    assert "For GitLab Inc. (Vendor)" in text and "PS Desk Vendor" not in text
    assert "Page 2 of" in text and f"Order Form {q.number} · Version" in text
