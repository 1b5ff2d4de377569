"""The built-in e-signature: release emails a signed, expiring, single-use link; the customer signs
(evidence recorded) or declines (back to SOW WIP, EM told); the vendor signatory countersigns; the
executed PDF carries a certificate page and a PAdES seal that `psdesk sow verify` and pyHanko accept."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from psdesk.audit.models import AuditEvent
from psdesk.branding.selectors import vendor_profile_get
from psdesk.core.errors import Conflict, NotFound, TransitionNotAllowed, ValidationFailed
from psdesk.engagements.choices import EngagementStatus
from psdesk.notifications.models import Notification, OutboxMessage
from psdesk.sows import rendering
from psdesk.sows.models import Signature, SignatureRequest, Sow
from psdesk.sows.services import (
    Evidence,
    signing_request_open,
    sow_countersign,
    sow_decline_by_link,
    sow_pdf_verify,
    sow_release,
    sow_sign_by_link,
    sow_stamp,
)

pytestmark = pytest.mark.django_db
EVIDENCE = Evidence(ip="203.0.113.7", user_agent="Mozilla/5.0 (test)")


@pytest.fixture(autouse=True)
def _seal_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.PSDESK_ESIGN_KEY_FILE = str(tmp_path / "seal-key.pem")
    settings.PSDESK_ESIGN_CERT_FILE = str(tmp_path / "seal-cert.pem")
    settings.PSDESK_SITE_URL = "http://testserver"


def _released(sow: Sow, people: Any) -> str:
    """Stamp and release `sow` to carl; returns the token from the emailed link."""
    assert sow.current is not None
    sow_stamp(sow_id=sow.pk, version_id=sow.current.pk, actor=people.lena)
    sow_release(sow_id=sow.pk, actor=people.erin, signer_email="carl@customer.example", signer_name="Carl Customer")
    [msg] = OutboxMessage.objects.filter(event="sow.released", destination="carl@customer.example")
    m = re.search(r"http://testserver/sign/([^/\s]+)/", msg.payload["body"])
    assert m is not None, msg.payload["body"]
    return m.group(1)


def test_the_customer_signs_through_the_emailed_link_once(approved_sow: Sow, people: Any, frozen_clock: Any) -> None:
    token = _released(approved_sow, people)
    page = Client().get(f"/sign/{token}/")
    assert page.status_code == 200 and b"Carl Customer" in page.content and b"Sign" in page.content
    assert Client().get(f"/sign/{token}/document.pdf").status_code == 200
    sig = sow_sign_by_link(token=token, name="Carl Customer", title="CTO", consent=True, evidence=EVIDENCE)
    assert approved_sow.current is not None
    assert (sig.party, sig.name, sig.title, sig.email, sig.ip_address, sig.user_agent) == (
        "customer",
        "Carl Customer",
        "CTO",
        "carl@customer.example",
        "203.0.113.7",
        "Mozilla/5.0 (test)",
    )
    assert sig.signed_pdf_sha256 == approved_sow.current.pdf_sha256 and sig.signed_at is not None
    approved_sow.refresh_from_db()
    assert approved_sow.status == "customer_signed"
    ev = AuditEvent.objects.filter(verb="sows.signature_recorded").latest("seq")
    assert ev.after["email"] == "carl@customer.example" and ev.after["ip"] == "203.0.113.7"
    with pytest.raises(Conflict, match="already used"):
        sow_sign_by_link(token=token, name="Carl Customer", title="CTO", consent=True, evidence=EVIDENCE)
    assert Client().get(f"/sign/{token}/").status_code == 409


def test_signing_needs_name_title_and_consent_and_writes_nothing_without(
    approved_sow: Sow, people: Any, frozen_clock: Any
) -> None:
    token = _released(approved_sow, people)
    before = AuditEvent.objects.count()
    for name, title, consent, field in (
        ("", "CTO", True, "name"),
        ("Carl", "", True, "title"),
        ("Carl", "CTO", False, "consent"),
    ):
        with pytest.raises(ValidationFailed) as err:
            sow_sign_by_link(token=token, name=name, title=title, consent=consent, evidence=EVIDENCE)
        assert err.value.details == {"field": field}
    resp = Client().post(f"/sign/{token}/sign", {"name": "Carl", "title": "CTO"})
    assert resp.status_code == 302
    assert AuditEvent.objects.count() == before and not Signature.objects.exists()
    approved_sow.refresh_from_db()
    assert approved_sow.status == "released"


def test_an_expired_or_forged_link_is_refused(approved_sow: Sow, people: Any, frozen_clock: Any) -> None:
    token = _released(approved_sow, people)
    with pytest.raises(NotFound):
        signing_request_open(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert Client().get(f"/sign/{token}x/").status_code == 404
    frozen_clock.advance(datetime.timedelta(days=15))
    with pytest.raises(Conflict, match="expired"):
        signing_request_open(token=token)


def test_a_new_release_withdraws_the_earlier_link(approved_sow: Sow, people: Any, frozen_clock: Any) -> None:
    token = _released(approved_sow, people)
    SignatureRequest.objects.update(status="withdrawn")
    with pytest.raises(Conflict, match="replaced by a newer one"):
        signing_request_open(token=token)


def test_declining_returns_the_card_to_sow_wip_with_the_reason_and_tells_the_em(
    approved_sow: Sow, people: Any, frozen_clock: Any
) -> None:
    token = _released(approved_sow, people)
    with pytest.raises(ValidationFailed):
        sow_decline_by_link(token=token, reason="  ", evidence=EVIDENCE)
    sow = sow_decline_by_link(token=token, reason="Payment terms must be net 60.", evidence=EVIDENCE)
    assert sow.status == "draft"
    approved_sow.engagement.refresh_from_db()
    assert approved_sow.engagement.state == EngagementStatus.SOW_WIP
    move = AuditEvent.objects.get(verb="board.signature_declined")
    assert move.reason == "Customer declined: Payment terms must be net 60."
    note = Notification.objects.get(recipient=people.erin, event="sow.declined")
    assert "Payment terms must be net 60." in note.body
    assert SignatureRequest.objects.get().decline_reason == "Payment terms must be net 60."
    with pytest.raises(Conflict):
        signing_request_open(token=token)


def test_only_the_vendor_signatory_countersigns_and_the_executed_pdf_is_sealed(
    approved_sow: Sow, people: Any, frozen_clock: Any, tmp_path: Path
) -> None:
    p = vendor_profile_get()
    p.signatory_name, p.signatory_email, p.signatory_title = "Rita Ramos", people.rita.email, "VP Revenue Accounting"
    p.save()
    token = _released(approved_sow, people)
    sow_sign_by_link(token=token, name="Carl Customer", title="CTO", consent=True, evidence=EVIDENCE)
    people.deal_desk_other = people.rita.__class__.objects.create(username="dora", email="dora@psdesk.example")
    people.deal_desk_other.groups.set(people.rita.groups.all())
    with pytest.raises(TransitionNotAllowed, match="Rita Ramos"):
        sow_countersign(sow_id=approved_sow.pk, actor=people.deal_desk_other)
    sow = sow_countersign(sow_id=approved_sow.pk, actor=people.rita)
    sow.refresh_from_db()
    assert sow.status == "executed" and len(sow.executed_pdf_sha256) == 64
    vendor_sig = Signature.objects.get(party="vendor")
    assert (vendor_sig.name, vendor_sig.title) == ("Rita Ramos", "VP Revenue Accounting")
    with sow.executed_pdf.open("rb") as fh:
        data = fh.read()
    text = rendering.pdf_text(data)
    assert "Signature certificate" in text and "Carl Customer, CTO (carl@customer.example)" in text
    assert "203.0.113.7" in text and "Signed electronically by Carl Customer" in text
    assert sow.current is not None and sow.current.pdf_sha256 in text.replace("\n", "")
    assert sow_pdf_verify(data=data).ok

    # pyHanko's own validator accepts the seal with the vendor certificate as trust root
    from asn1crypto import pem, x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    _, _, der = pem.unarmor((tmp_path / "seal-cert.pem").read_bytes())
    status = validate_pdf_signature(
        PdfFileReader(io.BytesIO(data)).embedded_signatures[0],
        ValidationContext(trust_roots=[x509.Certificate.load(der)], allow_fetching=False),
    )
    assert status.intact and status.valid and status.trusted

    good, bad = tmp_path / "executed.pdf", tmp_path / "tampered.pdf"
    good.write_bytes(data)
    tampered = bytearray(data)
    tampered[len(tampered) // 3] ^= 0x01
    bad.write_bytes(bytes(tampered))
    out = io.StringIO()
    call_command("sow", "verify", str(good), stdout=out)
    assert f"valid: the executed {sow.number}" in out.getvalue()
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("sow", "verify", str(bad), stdout=io.StringIO())
