"""A change order's e-signature, the SOW standard: the emailed signed, expiring, single-use link; the
customer signs (evidence) or declines with a reason (nothing changes, the EM is told); the vendor
signatory countersigns from My work; the executed PDF carries the certificate page and the PAdES
seal and `psdesk delivery verify` accepts it and refuses a one-byte-tampered copy; execution on
countersign updates budget, milestones, tasks and queue demand."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from psdesk.accounts.my_work import my_work_groups
from psdesk.audit.models import AuditEvent
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.errors import Conflict, NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from psdesk.delivery import services
from psdesk.delivery.models import ChangeOrder, ChangeOrderSignature, ChangeOrderSignatureRequest
from psdesk.delivery.selectors import project_budget
from psdesk.delivery.tests.test_change_orders import _approve_all, _snapshot, _v2
from psdesk.integrations.esign.builtin import BuiltinEsign
from psdesk.integrations.esign.port import LinkInvalid
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.sows import rendering

pytestmark = pytest.mark.django_db
EVIDENCE = services.Evidence(ip="203.0.113.9", user_agent="Mozilla/5.0 (co test)")


@pytest.fixture(autouse=True)
def _seal_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.PSDESK_ESIGN_KEY_FILE = str(tmp_path / "seal-key.pem")
    settings.PSDESK_ESIGN_CERT_FILE = str(tmp_path / "seal-cert.pem")
    settings.PSDESK_SITE_URL = "http://testserver"


def sent_change_order(project: Any, people: Any) -> tuple[ChangeOrder, str]:
    """Create (v2: +40 h Geo replication), approve and send; returns the CO and the emailed token."""
    co = services.change_order_create(
        project_id=project.pk,
        estimate_version_id=_v2(project).pk,
        reason="The customer adds a Geo site.",
        actor=people.erin,
    )
    services.change_order_submit(change_order_id=co.pk, actor=people.erin)
    _approve_all(co, people)
    services.change_order_send(change_order_id=co.pk, actor=people.erin)
    msg = OutboxMessage.objects.filter(event="change_order.sent").latest("id")
    m = re.search(r"http://testserver/sign/change-orders/([^/\s]+)/", msg.payload["body"])
    assert m is not None, msg.payload["body"]
    co.refresh_from_db()
    return co, m.group(1)


def _signatory(people: Any) -> None:
    p = vendor_profile_get()
    p.signatory_name, p.signatory_email, p.signatory_title = "Rita Ramos", people.rita.email, "VP Revenue Accounting"
    p.save()


def test_the_customer_signs_by_link_once_and_the_signatory_countersigns_from_my_work(
    project: Any, people: Any, tmp_path: Path
) -> None:
    _signatory(people)
    before = _snapshot(project)
    co, token = sent_change_order(project, people)
    assert co.status == "sent"
    req = ChangeOrderSignatureRequest.objects.get(change_order=co)
    assert (req.status, req.signer_email, req.pdf_sha256) == ("pending", "carl@acme.test", co.pdf_sha256)
    page = Client().get(f"/sign/change-orders/{token}/")
    assert page.status_code == 200 and co.code.encode() in page.content and b"consent" in page.content.lower()
    assert Client().get(f"/sign/change-orders/{token}/document.pdf").status_code == 200
    # the SOW signing page does not take a change order's token (its own scope)
    assert Client().get(f"/sign/{token}/").status_code == 404

    with pytest.raises(ValidationFailed):
        services.change_order_sign_by_link(token=token, name="Carl", title="CTO", consent=False, evidence=EVIDENCE)
    assert not ChangeOrderSignature.objects.exists()
    sig = services.change_order_sign_by_link(
        token=token, name="Carl Customer", title="CTO", consent=True, evidence=EVIDENCE
    )
    assert (sig.party, sig.email, sig.ip_address, sig.user_agent, sig.signed_pdf_sha256, sig.by_link) == (
        "customer",
        "carl@acme.test",
        "203.0.113.9",
        "Mozilla/5.0 (co test)",
        co.pdf_sha256,
        True,
    )
    co.refresh_from_db()
    assert co.status == "customer_signed"
    assert _snapshot(project) == before  # nothing changes before the countersignature
    with pytest.raises(Conflict, match="already used"):
        services.change_order_sign_by_link(token=token, name="Carl", title="CTO", consent=True, evidence=EVIDENCE)
    assert Client().get(f"/sign/change-orders/{token}/").status_code == 409
    assert Notification.objects.filter(event="change_order.awaiting_countersignature", recipient=people.rita).exists()
    assert Notification.objects.filter(event="change_order.signed", recipient=people.erin).exists()

    groups = {g.key: g for g in my_work_groups(user=people.rita)}
    assert [i.url for i in groups["delivery_change_orders_to_countersign"].items] == [co.get_absolute_url()]
    with pytest.raises(PermissionDenied):
        services.change_order_countersign(change_order_id=co.pk, actor=people.erin)
    other = people.rita.__class__.objects.create(username="dora", email="dora@psdesk.example")
    other.groups.set(people.rita.groups.all())
    with pytest.raises(TransitionNotAllowed, match="Rita Ramos"):
        services.change_order_countersign(change_order_id=co.pk, actor=other)

    co = services.change_order_countersign(change_order_id=co.pk, actor=people.rita)
    co.refresh_from_db()
    assert co.status == "executed" and len(co.executed_pdf_sha256) == 64
    project.refresh_from_db()
    b = project_budget(project)
    assert (b.hours, b.change_orders) == (before[3].hours + 40, (co.code,))
    assert project.milestones.filter(change_order=co).count() == 1
    verbs = set(AuditEvent.objects.filter(verb__startswith="delivery.change_order").values_list("verb", flat=True))
    assert {
        "delivery.change_order_signature_requested",
        "delivery.change_order_signature_recorded",
        "delivery.change_order_pdf_sealed",
        "delivery.change_order_executed",
    } <= verbs
    assert "delivery_change_orders_to_countersign" not in {g.key for g in my_work_groups(user=people.rita) if g.count}

    with co.executed_pdf.open("rb") as fh:
        data = fh.read()
    text = rendering.pdf_text(data)
    assert "Signature certificate" in text and "Carl Customer, CTO (carl@acme.test)" in text
    assert "203.0.113.9" in text and "Signed electronically by Carl Customer" in text
    assert co.pdf_sha256 in text.replace("\n", "")
    assert services.change_order_pdf_verify(data=data).ok
    good, bad = tmp_path / "executed.pdf", tmp_path / "tampered.pdf"
    good.write_bytes(data)
    tampered = bytearray(data)
    tampered[len(tampered) // 3] ^= 0x01
    bad.write_bytes(bytes(tampered))
    out = io.StringIO()
    call_command("delivery", "verify", str(good), stdout=out)
    assert f"valid: the executed change order {co.code}" in out.getvalue()
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("delivery", "verify", str(bad), stdout=io.StringIO())


def test_a_decline_with_a_reason_changes_nothing_and_tells_the_em(project: Any, people: Any) -> None:
    before = _snapshot(project)
    co, token = sent_change_order(project, people)
    with pytest.raises(ValidationFailed):
        services.change_order_decline_by_link(token=token, reason="  ", evidence=EVIDENCE)
    co.refresh_from_db()
    assert co.status == "sent"
    services.change_order_decline_by_link(token=token, reason="Geo is next year.", evidence=EVIDENCE)
    co.refresh_from_db()
    assert co.status == "declined"
    req = ChangeOrderSignatureRequest.objects.get(change_order=co)
    assert (req.status, req.decline_reason, req.ip_address) == ("declined", "Geo is next year.", "203.0.113.9")
    n = Notification.objects.get(event="change_order.declined", recipient=people.erin)
    assert "Geo is next year." in n.body
    assert _snapshot(project) == before
    with pytest.raises(Conflict):
        services.change_order_sign_by_link(token=token, name="Carl", title="CTO", consent=True, evidence=EVIDENCE)
    # closed: the EM can make a new change order
    services.change_order_create(
        project_id=project.pk, estimate_version_id=_v2(project).pk, reason="Geo, second try", actor=people.erin
    )


def test_forged_expired_replaced_and_withdrawn_links_are_refused(project: Any, people: Any, frozen_clock: Any) -> None:
    co, token = sent_change_order(project, people)
    with pytest.raises(NotFound):
        services.co_signing_request_open(token=token[:-2] + "xx")
    # a token of the SOW scope never opens a change-order request (and the other way round)
    sow_token = BuiltinEsign().link_issue(request_id=ChangeOrderSignatureRequest.objects.get().pk, lifetime_seconds=60)
    with pytest.raises(NotFound):
        services.co_signing_request_open(token=sow_token.token)
    with pytest.raises(LinkInvalid):
        BuiltinEsign().link_read(token)
    services.change_order_withdraw(change_order_id=co.pk, actor=people.erin, reason="customer asked to wait")
    with pytest.raises(Conflict, match="no longer waiting"):
        services.co_signing_request_open(token=token)


def test_an_expired_link_is_refused(project: Any, people: Any, frozen_clock: Any) -> None:
    from datetime import timedelta

    _co, token = sent_change_order(project, people)
    frozen_clock.set(frozen_clock() + timedelta(days=40))
    with pytest.raises(Conflict, match="expired"):
        services.change_order_sign_by_link(token=token, name="Carl", title="CTO", consent=True, evidence=EVIDENCE)
    assert not ChangeOrderSignature.objects.exists()


def test_a_paper_signature_also_waits_for_the_countersignature_and_the_cli(project: Any, people: Any) -> None:
    co = services.change_order_create(
        project_id=project.pk, estimate_version_id=_v2(project).pk, reason="Geo", actor=people.erin
    )
    services.change_order_submit(change_order_id=co.pk, actor=people.erin)
    _approve_all(co, people)
    out = io.StringIO()
    with pytest.raises(CommandError, match="403"):
        call_command("delivery", "send", str(co.pk), "--as", "olga", stdout=out)
    call_command("delivery", "send", str(co.pk), "--as", "erin", stdout=out)
    assert "signing link sent to carl@acme.test" in out.getvalue()
    services.change_order_sign(change_order_id=co.pk, actor=people.erin, name="Carl Customer", title="CTO")
    co.refresh_from_db()
    assert co.status == "customer_signed"
    assert ChangeOrderSignatureRequest.objects.get(change_order=co).status == "withdrawn"
    with pytest.raises(CommandError, match="403"):
        call_command("delivery", "countersign", str(co.pk), "--as", "erin", stdout=out)
    call_command("delivery", "countersign", str(co.pk), "--as", "rita", stdout=out)
    co.refresh_from_db()
    assert co.status == "executed" and co.executed_pdf_sha256 in out.getvalue()
    sig = ChangeOrderSignature.objects.get(change_order=co, party="customer")
    assert (sig.by_link, sig.ip_address) == (False, None)
