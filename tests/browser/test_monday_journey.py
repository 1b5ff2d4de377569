"""The Monday journeys, the product's acceptance test (issue 18): from the demo data, each persona logs
in through the login page and uses only pages a person can click (no ORM writes, no admin, no API,
no shell after the demo load; the database is read only to assert). The outbox is delivered by the
system (the worker's delivery function, in a background loop) to a real SMTP server on loopback, and
links (registration, customer review) are read from the captured emails. Every journey asserts that
no page it loads answers 4xx/5xx and that each screen shows what the previous step entered.

PSDESK_SCREENSHOTS=1 writes the README's screenshots into docs/img/ (CI leaves them alone)."""

from __future__ import annotations

import email
import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.browser.steps import responses_watch as _responses_watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "monday-pw"  # the demo's one login password for this run (demo --password)
IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


# --- the system around the browser: demo data, a real SMTP server, the outbox worker -------------


@dataclass
class Inbox:
    """What the SMTP server received, parsed; `wait_for` blocks until a matching message arrives."""

    messages: list[Message] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self.cond:
            self.messages.append(msg)
            self.cond.notify_all()
        return "250 OK"

    def wait_for(self, *, to: str, subject: str, timeout: float = 20.0) -> Message:
        def found() -> Message | None:
            for m in self.messages:
                if to in m["X-Envelope-To"] and subject.lower() in str(m["Subject"]).lower():
                    return m
            return None

        with self.cond:
            self.cond.wait_for(lambda: found() is not None, timeout=timeout)
            msg = found()
        assert msg is not None, f"no email to {to} about {subject!r}; got {[str(m['Subject']) for m in self.messages]}"
        return msg


def body_text(msg: Message) -> str:
    """The plain-text alternative of an email (falls back to the HTML part)."""
    parts = [p for p in msg.walk() if p.get_content_maintype() == "text"]
    plain = [p for p in parts if p.get_content_subtype() == "plain"] or parts
    payload = plain[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(plain[0].get_content_charset() or "utf-8")


def link_in(msg: Message, pattern: str) -> str:
    match = re.search(rf"https?://[^\s\"'<>]*{pattern}[^\s\"'<>]*", body_text(msg))
    assert match, f"no link matching {pattern!r} in: {body_text(msg)[:800]}"
    return match.group(0)


def _free_port() -> int:
    for port in range(22950, 23450):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below 32768")


@pytest.fixture
def inbox(settings: Any, live_server: Any) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; the mailer points at it and links at the live server."""
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
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def worker(inbox: Inbox) -> Iterator[None]:
    """The outbox worker: the function its task runs (`outbox_drain`), in a background loop."""
    from django.db import connection

    from psdesk.notifications.delivery import outbox_drain

    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.is_set():
                outbox_drain(max_seconds=5.0)
                stop.wait(0.2)  # the worker's poll interval, not a test wait
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name="outbox-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


@pytest.fixture
def demo(frozen_clock: Any, settings: Any, tmp_path: Path) -> None:
    """The demo data set, loaded once with the documented command; then only the browser acts."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    call_command("demo", password=PASSWORD, quiet=True)


@pytest.fixture
def sign_in(live_server: Any) -> Any:
    """`sign_in(page, "erin")`: log out, then log in through the login form with the demo password."""

    def do(page: Any, username: str) -> None:
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "/accounts/login/" not in page.url, f"{username} could not log in"

    return do


def responses_watch(page: Any) -> list[str]:
    """steps.responses_watch without the browser's own /favicon.ico probe (no page loads it)."""
    bad = _responses_watch(page)
    return _Filtered(bad)


class _Filtered(list[str]):
    def __init__(self, inner: list[str]) -> None:
        super().__init__()
        self.inner = inner

    def __eq__(self, other: object) -> bool:
        return [b for b in self.inner if not b.endswith("/favicon.ico")] == other

    def __repr__(self) -> str:
        return repr([b for b in self.inner if not b.endswith("/favicon.ico")])


def screenshot(page: Any, name: str) -> None:
    """Write docs/img/<name>.png for the README when PSDESK_SCREENSHOTS=1 (CI leaves them alone)."""
    if os.environ.get("PSDESK_SCREENSHOTS") != "1":
        return
    IMG.mkdir(parents=True, exist_ok=True)
    path = IMG / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size < 300_000, f"{path} is {path.stat().st_size} bytes"


# --- 1. tom's training request → paula schedules → the registration link from the email ---------


def test_tom_requests_training_paula_schedules_it_and_the_emailed_registration_link_works(
    page: Any, live_server: Any, sign_in: Any, demo: None, inbox: Inbox, worker: None
) -> None:
    from psdesk.training.models import Registration, TrainingRequest

    bad = responses_watch(page)
    sign_in(page, "tom")
    page.goto(f"{live_server.url}/training/")
    page.click("#new-trainer")
    page.fill("#id_team", "Data Platform")
    page.fill("#id_cost_centre", "CC-512")
    page.locator('input[name="courses"]').first.check()
    course_id = page.locator('input[name="courses"]').first.get_attribute("value")
    page.fill("#id_audience_size", "6")
    page.fill("#id_preferred_start", "2027-01-11")
    page.fill("#id_timezone", "Europe/Berlin")
    page.fill("#id_justification", "Our squads adopt merge trains in January")
    cody = page.locator("#id_attendees option", has_text="cody").first.get_attribute("value")
    page.select_option("#id_attendees", [str(cody)])
    with page.expect_navigation(url=re.compile(r".*/training/requests/\d+/$")):
        page.click("#request-form button[type=submit]")
    req_id = int(re.findall(r"/training/requests/(\d+)/", page.url)[0])
    assert "Data Platform" in page.locator("body").inner_text()
    page.click("button[data-action=complete_tasks]")
    page.locator("#status[data-status=tasks_complete]").wait_for()

    sign_in(page, "paula")
    page.goto(f"{live_server.url}/training/planning/")
    row = page.locator(f"#treq-{req_id}")
    assert "Data Platform" in row.inner_text()
    row.locator("a").first.click()
    page.click("button[data-action=start_planning]")
    page.locator("#status[data-status=planning]").wait_for()
    form = page.locator("#schedule-form")
    form.locator('select[name="course"]').first.select_option(str(course_id))
    form.locator('input[name="starts_at"]').first.fill("2027-01-11T09:00")
    form.locator('input[name="ends_at"]').first.fill("2027-01-11T17:00")
    form.locator("button[type=submit]").click()
    page.locator("#status[data-status=scheduled]").wait_for()
    req = TrainingRequest.objects.get(pk=req_id)
    [session] = req.sessions.all()
    assert session.starts_at == datetime(2027, 1, 11, 8, tzinfo=UTC)  # 09:00 Berlin
    reg = Registration.objects.get(session=session, user__username="cody")
    assert reg.status == "confirmed"

    # cody opens the registration link from the email the worker delivered, logged out
    msg = inbox.wait_for(to="cody@", subject="registration")
    link = link_in(msg, "/training/")
    assert link.startswith(live_server.url)
    page.context.clear_cookies()
    page.goto(link)
    assert page.locator("#reg-status").inner_text() == "confirmed"
    with page.expect_download() as dl:
        page.click("#ics")
    assert dl.value.suggested_filename == f"training-{session.pk}.ics"
    assert bad == []


# --- 2. alice's standard-SKU quote with seat add-ons → order form → signed → closed won ----------


def test_alice_orders_standard_skus_with_seat_add_ons_and_closes_won_without_moving_custom_work(
    page: Any, live_server: Any, sign_in: Any, demo: None
) -> None:
    from psdesk.core import clock
    from psdesk.crm.choices import OpportunityStage, RecordType
    from psdesk.crm.models import Opportunity
    from psdesk.engagements.choices import EngagementStatus as S
    from psdesk.engagements.models import Engagement
    from psdesk.quotes.models import Quote
    from psdesk.sows.models import Sow

    phase2 = Engagement.objects.get(title="Hooli - Scope Issue and Write SOW (phase 2)")
    before = {e.pk: e.state for e in Engagement.objects.all()}
    licence = Opportunity.objects.get(account__name="Hooli", record_type=RecordType.LICENSE)
    bad = responses_watch(page)

    sign_in(page, "alice")
    page.goto(f"{live_server.url}/crm/opportunities/new/")
    page.select_option("#id_account", label="Hooli")
    page.wait_for_selector("#id_parent")
    page.select_option("#id_parent", str(licence.pk))
    page.fill("#id_name", "Hooli - CI/CD enablement")
    with page.expect_navigation():
        page.click("#create-opportunity")
    page.wait_for_selector("#start-quote")
    opp = Opportunity.objects.get(name="Hooli - CI/CD enablement")
    assert (opp.record_type, opp.parent_id) == (RecordType.PS_ONLY, licence.pk)
    assert "Hooli - CI/CD enablement" in page.locator("h1").inner_text()

    page.click("#start-quote")
    page.click("#standard-yes")
    page.wait_for_selector("#add-line")
    page.select_option("#id_sku_code", "GL-CICD-R")
    page.fill("#id_attendees", "13")  # one over the class size: a per-seat add-on line follows
    page.click("#add-line-button")
    page.wait_for_selector('tr[data-sku="SRV-PERSEAT-R"]')
    total = page.inner_text("#quote-total")
    assert total == "USD 5500.00"

    page.click("#preview-link")
    page.wait_for_selector("#order-form")
    form_text = page.inner_text("#order-form")
    assert "GL-CICD-R" in form_text and "SRV-PERSEAT-R" in form_text and total in form_text
    page.go_back()

    page.click('button[data-action="send"]')
    page.wait_for_selector("#id_signer_name")
    page.fill("#id_signer_name", "Gavin Belson")
    page.fill("#id_signed_on", f"{clock.today():%Y-%m-%d}")
    page.fill("#id_po_number", "HOOLI-PO-77")
    page.click('button[data-action="mark_signed"]')
    page.wait_for_selector("#signed-by")
    assert "Gavin Belson" in page.inner_text("#signed-by")
    assert Quote.objects.get(opportunity=opp).state == "signed"

    page.goto(f"{live_server.url}/crm/opportunities/{opp.pk}/")
    assert page.locator("#close-won-blockers").count() == 0  # no custom engagement on this one
    with page.expect_navigation():
        page.click('button[data-action="close_won"]')
    page.wait_for_selector("text=Moved to Closed Won.")
    assert page.inner_text("#stage") == "Closed Won"
    assert "HOOLI-PO-77" in page.locator("body").inner_text()
    opp.refresh_from_db()
    assert opp.stage == OpportunityStage.CLOSED_WON and opp.po_number == "HOOLI-PO-77"

    # no custom engagement moved without its SOW
    assert Engagement.objects.get(pk=phase2.pk).state == before[phase2.pk]
    assert {e.pk: e.state for e in Engagement.objects.all()} == before
    for won in Engagement.objects.filter(state=S.CLOSED_WON):
        assert Sow.objects.filter(engagement=won, status="executed").exists(), won
    page.goto(f"{live_server.url}/")
    page.locator(f'.column[data-state="{before[phase2.pk]}"] #card-{phase2.pk}').wait_for()
    assert bad == []
