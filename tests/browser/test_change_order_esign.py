"""A change order signed like a SOW, in Chromium: erin creates it from a new estimate version on an
Active project, asks for approvals; leo (PS Leadership) and rita (Revenue) approve on its page; erin
sends it for signature; the customer's signer signs through the link read from the email a real
SMTP server (aiosmtpd, loopback) received; rita, the vendor signatory, countersigns from My work;
the change order is executed, its page shows the evidence, the sealed executed PDF verifies, and
the project's budget and milestones follow."""

from __future__ import annotations

import email
import io
import re
import socket
import threading
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from psdesk.delivery.tests.conftest import project  # noqa: F401 — fixture
from psdesk.sows.tests.conftest import _media, opportunity, sow_wip  # noqa: F401 — fixtures
from tests.browser.steps import (
    change_order_approve,
    change_order_countersign_from_my_work,
    change_order_create_from_new_version,
    change_order_request_approvals,
    change_order_send_for_signature,
    change_order_sign_by_emailed_link,
    responses_watch,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LINES = [
    ("Kick-off and planning", "PM", "8", "implementation"),
    ("Install GitLab", "PSE", "40", "implementation"),
    ("Migration wave 1", "PSE", "32", "migration"),
    ("GitLab CI/CD training", "Trainer", "8", "education"),
    ("Geo replication", "PSE", "40", "implementation"),
]


class Inbox:
    """What the SMTP server received; `wait_for` blocks until a message to `to` arrives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.cond = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.cond:
            self.messages.append(msg)
            self.cond.notify_all()
        return "250 OK"

    def wait_for(self, *, to: str, subject: str, timeout: float = 60.0) -> Message:
        def found() -> Message | None:
            return next(
                (m for m in self.messages if to in m["X-Envelope-To"] and subject.lower() in str(m["Subject"]).lower()),
                None,
            )

        with self.cond:
            self.cond.wait_for(lambda: found() is not None, timeout=timeout)
            msg = found()
        assert msg is not None, f"no email to {to} about {subject!r}; got {[str(m['Subject']) for m in self.messages]}"
        return msg


def _free_port() -> int:
    for port in range(23460, 23960):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


@pytest.fixture
def inbox(settings: Any, live_server: Any, tmp_path: Path) -> Iterator[Inbox]:
    from aiosmtpd.controller import Controller

    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": controller.port, "timeout": 5},
        }
    }
    settings.PSDESK_SITE_URL = live_server.url
    settings.PSDESK_ESIGN_KEY_FILE = str(tmp_path / "seal-key.pem")
    settings.PSDESK_ESIGN_CERT_FILE = str(tmp_path / "seal-cert.pem")
    try:
        yield box
    finally:
        controller.stop()


def _deliver_outbox() -> None:
    """The system's outbox delivery (what the worker does after commit), run here in the test."""
    from psdesk.notifications.delivery import outbox_drain

    outbox_drain(max_seconds=30)


def _link_in(msg: Message) -> str:
    parts = [p for p in msg.walk() if p.get_content_type() == "text/plain"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    match = re.search(r"https?://[^\s\"'<>]*/sign/change-orders/[^\s\"'<>]+/", payload.decode())
    assert match, payload.decode()[:800]
    return match.group(0)


def test_a_change_order_is_signed_by_emailed_link_and_countersigned_from_my_work(
    page: Any,
    browser: Any,
    live_server: Any,
    login: Any,
    people: Any,
    project: Any,  # noqa: F811 — fixture
    inbox: Inbox,
    tmp_path: Path,
) -> None:
    from psdesk.branding.selectors import vendor_profile_get
    from psdesk.delivery.models import ChangeOrder
    from psdesk.delivery.selectors import project_budget
    from psdesk.sows.tests.conftest import make_estimate

    # set-up, not under test: rita is the vendor signatory; erin wrote estimate v2 (+40 h Geo)
    p = vendor_profile_get()
    p.signatory_name, p.signatory_email, p.signatory_title = "Rita Ramos", people.rita.email, "VP Revenue Accounting"
    p.save()
    v2 = make_estimate(project.engagement, lines=LINES, agreed=False)
    hours_before = project_budget(project).hours
    bad = responses_watch(page)

    def as_user(page: Any, username: str) -> None:
        page.context.clear_cookies()
        login(page, username)

    login(page, "erin")
    co_id = change_order_create_from_new_version(
        page, live_server, project_id=project.pk, version_number=v2.number, reason="The customer adds a Geo site."
    )
    assert page.locator("#co-hours").inner_text() == "40"
    change_order_request_approvals(page, live_server, change_order_id=co_id)

    as_user(page, "leo")
    assert change_order_approve(page, live_server, change_order_id=co_id, kind="ps_leadership") == "In approval"
    as_user(page, "rita")
    assert change_order_approve(page, live_server, change_order_id=co_id, kind="revenue") == "Approved"

    as_user(page, "erin")
    change_order_send_for_signature(page, live_server, change_order_id=co_id)
    _deliver_outbox()
    code = ChangeOrder.objects.get(pk=co_id).code
    msg = inbox.wait_for(to="carl@acme.test", subject=f"Change order {code} for signature")
    assert any(part.get_filename() == f"{code}.pdf" for part in msg.walk())
    url = _link_in(msg)
    assert url.startswith(live_server.url)

    change_order_sign_by_emailed_link(browser, url, name="Carl Customer", title="CTO")
    page.reload()
    assert "waiting for the vendor signatory" in page.locator("#co-signature-status").inner_text()
    assert project_budget(project).hours == hours_before  # nothing changes before the countersignature

    as_user(page, "rita")
    change_order_countersign_from_my_work(page, live_server, code=code)
    evidence = page.locator('#co-evidence tr[data-party="customer"]').inner_text()
    assert "Carl Customer, CTO (carl@acme.test)" in evidence and "through the emailed link" in evidence
    assert "127.0.0.1" in evidence
    assert page.locator('#co-evidence tr[data-party="vendor"]').count() == 1

    co = ChangeOrder.objects.get(pk=co_id)
    project.refresh_from_db()
    assert project_budget(project).hours == hours_before + 40
    assert project.milestones.filter(change_order=co).count() == 1
    with co.executed_pdf.open("rb") as fh:
        data = bytearray(fh.read())
    good = tmp_path / "executed.pdf"
    good.write_bytes(bytes(data))
    out = io.StringIO()
    call_command("delivery", "verify", str(good), stdout=out)
    assert f"valid: the executed change order {code}" in out.getvalue()
    data[len(data) // 2] ^= 0x01
    good.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="NOT VALID"):
        call_command("delivery", "verify", str(good), stdout=io.StringIO())
    assert [b for b in bad if not b.endswith("/favicon.ico")] == []
