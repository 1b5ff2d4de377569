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
from decimal import Decimal
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.browser.steps import (
    countersign_from_my_work,
    executed_pdf_verifies,
    responses_watch,
    sign_by_emailed_link,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "monday-pw"  # the demo's one login password for this run (demo --password)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
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

    def wait_for(self, *, to: str, subject: str, about: str = "", timeout: float = 60.0) -> Message:
        """The first message to `to` whose subject contains `subject` and `about` (case-insensitive)."""

        def found() -> Message | None:
            for m in self.messages:
                title = str(m["Subject"]).lower()
                if to in m["X-Envelope-To"] and subject.lower() in title and about.lower() in title:
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


class Worker:
    """The system's background worker (django_tasks_db's `db_worker`, every queue: the outbox
    delivery tasks and the forecast recompute), run in batches in a background thread.
    `settled()` blocks until a whole pass has run after the call (what was due is handled)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.cond = threading.Condition()
        self.passes = 0
        self.thread = threading.Thread(target=self._loop, name="outbox-worker", daemon=True)

    def _loop(self) -> None:
        from django.db import connection
        from django_tasks_db.management.commands.db_worker import Worker as DbWorker

        worker = DbWorker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="monday-journey",
            excluded_queue_names=[],
        )
        try:
            while not self.stop.is_set():
                worker.run()  # batch mode: returns when no task is ready
                with self.cond:
                    self.passes += 1
                    self.cond.notify_all()
                self.stop.wait(0.2)  # the worker's poll interval, not a test wait
        finally:
            connection.close()

    def settled(self, timeout: float = 60.0) -> None:
        with self.cond:
            target = self.passes + 2  # the pass under way may have started before the call
            assert self.cond.wait_for(lambda: self.passes >= target, timeout=timeout), "the worker stalled"


@pytest.fixture
def worker(inbox: Inbox) -> Iterator[Worker]:
    w = Worker()
    w.thread.start()
    try:
        yield w
    finally:
        w.stop.set()
        w.thread.join(timeout=30)


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


def failures(bad: list[str]) -> list[str]:
    """The 4xx/5xx answers `responses_watch` saw, without Chromium's own /favicon.ico probe (no page
    of PS Desk links a favicon; the browser asks for one by itself)."""
    return [b for b in bad if not b.endswith("/favicon.ico")]


def screenshot(page: Any, name: str, *, height: int = 720, scroll_to: str = "") -> None:
    """Write docs/img/<name>.png (1280 px wide) for the README when PSDESK_SCREENSHOTS=1; CI leaves
    them alone."""
    if os.environ.get("PSDESK_SCREENSHOTS") != "1":
        return
    IMG.mkdir(parents=True, exist_ok=True)
    path = IMG / f"{name}.png"
    size = page.viewport_size
    page.set_viewport_size({"width": 1280, "height": height})
    if scroll_to:
        page.locator(scroll_to).scroll_into_view_if_needed()
    page.screenshot(path=str(path), full_page=False)
    if size:
        page.set_viewport_size(size)
    assert path.stat().st_size < 300_000, f"{path} is {path.stat().st_size} bytes"


# --- 1. tom's training request → paula schedules → the registration link from the email ---------


def test_tom_requests_training_paula_schedules_it_and_the_emailed_registration_link_works(
    page: Any, live_server: Any, sign_in: Any, demo: None, inbox: Inbox, worker: Worker
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
    assert failures(bad) == []


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
    # (the demo's year of history is written as closed records; the customer's own ones need a SOW)
    for won in Engagement.objects.filter(state=S.CLOSED_WON, account=opp.account):
        assert Sow.objects.filter(engagement=won, status="executed").exists(), won
    page.goto(f"{live_server.url}/")
    page.locator(f'.column[data-state="{before[phase2.pk]}"] #card-{phase2.pk}').wait_for()
    assert failures(bad) == []


# --- 3. the custom journey: calculator → estimate → SOW → approvals → signed → closed won → project


EVERY_INTAKE_FIELD: dict[str, str | bool] = {
    "start_window_from": "2027-01-11",
    "start_window_to": "2027-02-26",
    "delivery_mode": "hybrid",
    "timezone": "America/New_York",
    "pricing_model": "fixed_fee",
    "partner_staffing_allowed": "no",
    "skills_needed": "Geo, Congregate",
    "us_citizenship_required": False,
    "clearance_required": "",  # a commercial customer: none (typing "None" would read as a clearance)
    "security_requirements": "VPN and named accounts",
    "customer_readiness": "Hardware ordered",
    "contact_technical_name": "Ada Byron",
    "contact_technical_email": "ada@northwind.example",
    "contact_executive_name": "Grace Hopper",
    "contact_executive_email": "grace@northwind.example",
    "contact_signer_name": "Alan Turing",
    "contact_signer_email": "alan@northwind.example",
}


def _move(page: Any, action: str) -> None:
    """Click a move in the card drawer and wait for the board's answer and the reload after it."""
    with page.expect_navigation(), page.expect_response(lambda r: r.url.endswith("/move")) as resp:
        page.click(f'form.move-form:has(input[name="action"][value="{action}"]) button[type="submit"]')
    assert resp.value.status == 200, resp.value.status


def _click(page: Any, name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def test_custom_journey_from_calculator_to_project_welcome(
    page: Any,
    browser: Any,
    live_server: Any,
    sign_in: Any,
    demo: None,
    inbox: Inbox,
    worker: Worker,
    frozen_clock: Any,
) -> None:
    from psdesk.engagements.choices import EngagementStatus as S
    from psdesk.engagements.models import Engagement
    from psdesk.estimates.models import EstimateVersion
    from psdesk.projects.choices import ChecklistKey
    from psdesk.projects.models import Project
    from psdesk.scheduling.models import QueueEntry
    from tests.browser.steps import calculator_new_customer, ssot_answer_and_save

    bad = responses_watch(page)
    card_url = ""

    # sam: the Services Calculator for a brand-new customer, every intake field filled
    sign_in(page, "sam")
    eng_id = calculator_new_customer(
        page,
        live_server,
        name="Northwind Traders",
        territory="East",
        segment="Ent_EAST",
        country="US",
        subdivision="NY",
        timezone="America/New_York",
        service_types=["implementation"],
        parent_name="Northwind Traders - Ultimate",
        parent_amount="240000.00",
        close_date="2027-01-29",
        answers={"implementation.users": "3250", "implementation.geo": "yes", "implementation.integrations": "3"},
        intake=EVERY_INTAKE_FIELD,
    )
    card_url = f"{live_server.url}/engagements/{eng_id}/"
    assert page.locator("h1").inner_text() == "Northwind Traders - Scope Issue and Write SOW"
    assert page.locator("#i__timezone").input_value() == "America/New_York"
    assert page.locator("#i__contact_signer_email").input_value() == "alan@northwind.example"
    eng = Engagement.objects.get(pk=eng_id)
    assert eng.opportunity is not None and eng.opportunity.parent is not None
    assert eng.opportunity.parent.name == "Northwind Traders - Ultimate"

    # erin: triage, the SSOT, the estimate shared with the customer
    sign_in(page, "erin")
    page.goto(card_url)
    assert "Northwind Traders" in page.locator("body").inner_text()
    _move(page, "triage")
    assert Engagement.objects.get(pk=eng_id).state == S.AWAITING_DISCOVERY
    ssot_answer_and_save(
        page,
        live_server,
        engagement_id=eng_id,
        service_type="implementation",
        answers={
            "license_tier": "Ultimate",
            "install_type": "New",
            "ha_required": "yes",
            "hosting": "AWS",
            "air_gapped": "no",
            "kubernetes": "None",
            "os": "RHEL 9",
        },
    )
    assert "Saved 7 answers." in page.locator(".messages").inner_text()
    assert page.locator('form[data-service-type="implementation"] tr.todo').count() == 0
    page.goto(card_url)
    _move(page, "start_strawman")
    page.goto(f"{live_server.url}/estimates/engagements/{eng_id}/")
    _click(page, "Create v1 from the calculator draft")
    draft_hours = EstimateVersion.objects.get(engagement_id=eng_id).hours
    page.get_by_label("New activity 1").fill("Engagement management")
    page.get_by_label("New hours 1").fill("8")
    _click(page, "Save draft")
    v1 = EstimateVersion.objects.get(engagement_id=eng_id)
    assert v1.hours == draft_hours + 8
    price = page.locator("#total-price").inner_text()
    _click(page, "Share with customer")
    link = page.locator("#share-url").get_attribute("href")
    assert link and "/review/" in link
    page.goto(card_url)
    _move(page, "request_feedback")

    # the customer agrees through the review link, logged out, in a browser of their own
    customer = browser.new_context()
    cpage = customer.new_page()
    cbad = responses_watch(cpage)
    cpage.goto(link)
    assert cpage.locator("#total").inner_text() == price
    assert "Engagement management" in cpage.locator("body").inner_text()
    form = cpage.locator("#agree-form")
    form.get_by_label("Your name").fill("Ada Byron")
    form.get_by_label("Email").fill("ada@northwind.example")
    form.get_by_role("button", name="We agree to this price and scope").click()
    cpage.locator(".agreed").wait_for()
    customer.close()
    assert failures(cbad) == []

    # tara: the estimate is over USD 50,000, so a Technical Architect reviews it
    sign_in(page, "erin")
    page.goto(card_url)
    assert "a Technical Architect must approve v1" in page.inner_text("ul.moves")
    sign_in(page, "tara")
    page.goto(card_url)
    with page.expect_navigation():
        page.click('tr[data-kind="ta_review"] button:has-text("Approve v1")')
    page.wait_for_selector('tr[data-kind="ta_review"] td.state:has-text("approved")')
    sign_in(page, "erin")
    page.goto(card_url)
    _move(page, "start_sow")
    assert Engagement.objects.get(pk=eng_id).state == S.SOW_WIP
    page.goto(f"{live_server.url}/")
    page.locator(f'.column[data-state="sow_wip"] #card-{eng_id}').wait_for()
    screenshot(page, "board")

    # erin generates the SOW from the agreed estimate; rory approves delivery; erin submits
    sow_url = f"{live_server.url}/sows/engagements/{eng_id}/"
    page.goto(sow_url)
    _click(page, "Generate SOW from the agreed estimate")
    assert "Generated version 1." in page.content()
    assert page.locator(".sow-preview", has_text="Engagement management").count() == 1
    screenshot(page, "sow")
    _click(page, "Record review of v1")
    assert page.locator("#sow-reviewed").inner_text() == "yes (v1)"
    page.goto(card_url)
    with page.expect_navigation():
        page.click('tr[data-kind="rdm_review"] button:has-text("Request")')
    page.wait_for_selector('tr[data-kind="rdm_review"] td.state:has-text("pending")')
    sign_in(page, "rory")
    page.goto(card_url)
    with page.expect_navigation():
        page.click('tr[data-kind="rdm_review"] button:has-text("Approve")')
    page.wait_for_selector('tr[data-kind="rdm_review"] td.state:has-text("approved")')
    sign_in(page, "erin")
    page.goto(card_url)
    _move(page, "submit_for_approval")
    page.wait_for_selector(".column-name:has-text('Ready For Approval')")
    for kind in ("ps_leadership", "revenue"):
        with page.expect_navigation():
            page.locator(f'tr[data-kind="{kind}"] button:has-text("Request")').click()
        page.wait_for_selector(f'tr[data-kind="{kind}"][data-state="pending"]')

    # leo and rita approve on the current SOW version; the card moves to Approved by itself
    for who, kind in (("leo", "ps_leadership"), ("rita", "revenue")):
        sign_in(page, who)
        page.goto(card_url)
        with page.expect_navigation():
            page.locator(f'tr[data-kind="{kind}"] button:has-text("Approve")').click()
        page.wait_for_selector(f'tr[data-kind="{kind}"][data-state="approved"]')
        assert page.locator(f'tr[data-kind="{kind}"] td.on').inner_text() == "SOW v1"
    assert Engagement.objects.get(pk=eng_id).state == S.APPROVED

    # lena is told by email; she follows its link and stamps
    told = inbox.wait_for(to="lena@", subject="Legal stamp needed: SOW-", about="Northwind Traders")
    stamp_link = link_in(told, "/sows/engagements/")
    sign_in(page, "lena")
    page.goto(stamp_link)
    _click(page, "Legal stamp v1")
    assert page.locator("#sow-status").inner_text() == "Legal stamped"

    # erin releases it to the customer's signer (from the intake); Alan signs through the emailed link
    sign_in(page, "erin")
    page.goto(sow_url)
    assert page.locator("input[name=signer_email]").input_value() == "alan@northwind.example"
    _click(page, "Release for signature")
    assert page.locator("#sow-status").inner_text() == "Released for signature"
    released = inbox.wait_for(to="alan@northwind.example", subject="for signature")
    sign_by_emailed_link(browser, link_in(released, "/sign/"), name="Alan Turing", title="CTO", clock=frozen_clock)

    # rita, the vendor signatory, countersigns from My work; the executed PDF is sealed
    sign_in(page, "rita")
    countersign_from_my_work(page, account="Northwind Traders")
    assert page.locator("#sow-status").inner_text() == "Executed"
    executed_pdf_verifies(eng_id)
    opp_id = Engagement.objects.get(pk=eng_id).opportunity_id
    page.goto(f"{live_server.url}/crm/opportunities/{opp_id}/")
    page.fill("#id_po_number", "NW-PO-2027-001")
    with page.expect_navigation():
        page.click("#po-form button[type=submit]")
    assert page.locator("#po").inner_text() == "NW-PO-2027-001"
    with page.expect_navigation():
        page.click('button[data-action="close_won"]')
    page.wait_for_selector("text=Moved to Closed Won.")
    assert page.inner_text("#stage") == "Closed Won"
    assert Engagement.objects.get(pk=eng_id).state == S.CLOSED_WON
    agreed_hours = EstimateVersion.objects.get(engagement_id=eng_id).hours

    # paula finds the project under My work
    sign_in(page, "paula")
    assert page.url.rstrip("/").endswith("/my-work"), page.url
    item = page.locator(".work-group a", has_text="Northwind Traders").first
    item.wait_for()
    screenshot(page, "my-work")
    with page.expect_navigation():
        item.click()
    project = Project.objects.get(engagement_id=eng_id)
    assert page.locator("h1").inner_text() == project.name
    assert "Northwind Traders" in project.name and "Scope Issue" not in project.name
    agreed_price = EstimateVersion.objects.get(engagement_id=eng_id).price
    assert f"budget USD {agreed_price:.2f}" in page.locator("body").inner_text()  # from the agreed estimate

    # the agreed hours in the queue, and the lead-time forecast
    page.goto(f"{live_server.url}/scheduling/")
    entry = QueueEntry.objects.get(engagement_id=eng_id)
    row = page.locator(f'#queue tr[data-entry="{entry.pk}"]')
    assert DATE.fullmatch(row.locator(".p50").inner_text()), row.inner_text()
    with page.expect_navigation():
        row.locator("a").click()
    role_hours = page.locator("h2:has-text('Role-hours') + ul").inner_text()
    total = sum(Decimal(h) for h in re.findall(r": ([\d.]+) h at", role_hours))
    assert total == agreed_hours, (role_hours, agreed_hours)
    assert "Forecast" in page.locator("#customer-text").inner_text()
    assert page.locator("h1 + p").inner_text().endswith("· Implementation")  # the calculator's service type

    # book a consultant: the project's tasks of that role are assigned
    form = page.locator("#allocate-form")
    consultant = form.locator('select[name="consultant_id"] option').first
    consultant_name, consultant_role = consultant.inner_text().rstrip(")").split(" (")
    form.locator('select[name="kind"]').select_option("hard")
    form.locator('input[name="starts_on"]').fill("2027-01-11")
    form.locator('input[name="ends_on"]').fill("2027-02-26")
    form.locator('input[name="weekly_hours"]').fill("40")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert consultant_name in page.locator("h2:has-text('Allocations') + ul").inner_text()

    page.goto(f"{live_server.url}/projects/{project.pk}/")
    tasks = page.locator("section:has(h2:has-text('Tasks')) tbody tr")
    booked = [tasks.nth(i).locator("td").all_inner_texts() for i in range(tasks.count())]
    of_role = [t for t in booked if t[2] == consultant_role]
    assert of_role and all(t[4] == consultant_name for t in of_role), booked  # its role's tasks are hers
    assert "Engagement management" in [t[1] for t in booked]  # the EM's own line of the agreed estimate

    # the welcome email: contacts from the intake, checklist, send, delivered over SMTP, SLA met
    body = page.locator("body").inner_text()
    if "Ada Byron" not in body:
        page.get_by_label("Contact name").fill("Ada Byron")
        page.get_by_label("Contact email").fill("ada@northwind.example")
        with page.expect_navigation():
            page.click("text=Add contact")
    for key in ChecklistKey.values:
        button = page.locator(f"form:has(input[name=key][value={key}]) button")
        if button.get_attribute("aria-pressed") == "false":
            with page.expect_navigation():
                button.click()
    with page.expect_navigation():
        page.click("#send-welcome")
    page.wait_for_selector("text=Welcome email queued for delivery.")
    welcome = inbox.wait_for(to="ada@northwind.example", subject="welcome")
    assert project.name in body_text(welcome) or "Northwind" in body_text(welcome)
    worker.settled()
    page.reload()
    delivered = page.locator("#emails tr[data-status]").first
    assert delivered.get_attribute("data-status") == "sent", delivered.inner_text()
    assert "Sent" in delivered.inner_text()
    sla = page.locator("p:has-text('Welcome email SLA') .label").inner_text()
    assert sla == "met", sla
    screenshot(page, "project", height=1000, scroll_to="#emails")
    timesheets_two_weeks_approved_by_the_pm(page, live_server, sign_in, project)
    _delivery_after_the_welcome(page, browser, live_server, sign_in, inbox, worker, project)
    _leo_opens_the_dashboard_and_finds_northwind(page, sign_in, eng_id)
    assert failures(bad) == []


# --- resources: time off (issue 21) ---


def test_cody_asks_for_a_day_off_and_paula_approves_it_from_my_work(
    page: Any, live_server: Any, sign_in: Any, demo: None, inbox: Inbox, worker: Worker
) -> None:
    from tests.browser.steps import time_off_approve_from_my_work, time_off_request

    bad = responses_watch(page)
    sign_in(page, "cody")
    time_off_request(page, live_server, day="2026-12-21", reason="Moving house")
    asked = inbox.wait_for(to="paula@", subject="Time off to approve")
    assert "Moving house" in body_text(asked)

    sign_in(page, "paula")
    time_off_approve_from_my_work(page, live_server, title="Priya Shah: Mon 21 Dec 2026", day="2026-12-21")
    told = inbox.wait_for(to="cody@", subject="Time off approved")
    assert "2026-12-21" in body_text(told)

    sign_in(page, "cody")
    page.goto(f"{live_server.url}/scheduling/time-off/")
    row = page.locator("#my-time-off tr", has_text="Moving house")
    assert row.locator(".status").inner_text() == "Approved", row.inner_text()
    assert failures(bad) == []


# --- pictures: the leader's dashboard and the global search (issue 19) ---


def _leo_opens_the_dashboard_and_finds_northwind(page: Any, sign_in: Any, engagement_id: int) -> None:
    """leo opens the dashboard from the navigation (every chart drawn), then finds the Northwind
    engagement with the header's search and opens it."""
    from tests.browser.steps import dashboard_open, global_search

    sign_in(page, "leo")
    assert dashboard_open(page) >= 9
    groups = global_search(page, "Northwind")
    assert "Northwind Traders - Scope Issue and Write SOW" in groups["engagements"], groups
    with page.expect_navigation():
        page.locator('section[data-group="engagements"] a', has_text="Northwind Traders - Scope Issue").first.click()
    assert page.url.rstrip("/").endswith(f"/engagements/{engagement_id}"), page.url


# --- delivery (issue 21) ---


def _delivery_after_the_welcome(
    page: Any, browser: Any, live_server: Any, sign_in: Any, inbox: Inbox, worker: Worker, project: Any
) -> None:
    """After the welcome email and two weeks of approved time: paula starts delivery and marks
    milestone 1 complete; Alan accepts it through the emailed link (billed once, the spent link
    refused). erin changes the scope by 40 h: a new estimate version, a change order from it, leo
    and rita approve from My work, Alan signs it through the emailed link and rita countersigns it
    from My work; the budget and the burn chart on the project's burn page grow by 40 h.
    Milestone 2 gets a non-conformity through the link, is completed again just before Christmas
    and, like the change order's milestone, is accepted passively after 5 business days on the
    customer's New York calendar (25 December does not count), billed once however often the sweep
    runs. paula works through the close-out checklist, closes and completes the project."""
    from psdesk.core import clock
    from psdesk.delivery.models import BillableEvent, ChangeOrder, Milestone
    from tests.browser.steps import (
        burn_chart_series,
        change_order_approve_from_my_work,
        change_order_countersign_from_my_work,
        change_order_new_from_estimate,
        change_order_sign_by_emailed_link,
        close_out_tick,
        milestone_accept_as_customer,
        milestone_mark_complete,
        milestone_report_as_customer,
    )

    fc = clock._provider  # the demo's frozen clock (the `frozen_clock` fixture)
    assert isinstance(fc, clock.FrozenClock)
    alan = "alan@northwind.example"
    bad = responses_watch(page)
    sign_in(page, "paula")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    for label in ("Okay to start", "Start delivery"):
        _click(page, label)
    assert "Active" in page.locator("body").inner_text()
    # the executed SOW's two milestones: the implementation, and the EM's own line (no service type)
    m1, m2 = Milestone.objects.filter(project=project).order_by("position")
    assert (m1.name, m2.name) == ("Implementation", "Delivery"), (m1.name, m2.name)
    page.goto(f"{live_server.url}/delivery/")
    with page.expect_navigation():
        page.locator(f'#delivery-projects tr[data-project="{project.pk}"] a').click()
    assert page.locator("#milestones tbody tr[data-milestone]").count() == 2

    # milestone 1: complete → Alan accepts through the emailed link → billed once
    milestone_mark_complete(page, live_server, project_id=project.pk, position=1, note="Installed and handed over.")
    fc.advance(minutes=1)  # the demo spent the email rate budget; a minute refills it
    notice = inbox.wait_for(to=alan, subject="Milestone complete", about=m1.name)
    assert "5 business days" in body_text(notice)
    link = link_in(notice, "/r/acceptance/")
    assert failures(milestone_accept_as_customer(browser, link, name="Alan Turing")) == []
    page.reload()
    row = page.locator('tr[data-milestone="1"]')
    assert row.get_attribute("data-status") == "accepted"
    assert "Accepted by the customer" in row.locator(".acceptance").inner_text()
    assert "Alan Turing" in row.locator(".acceptance").inner_text()
    assert row.locator(".billed").inner_text() == f"PSD-MS-{m1.pk}"
    replay = browser.new_context()  # the link again (a replayed acceptance): spent, nothing billed twice
    rpage = replay.new_page()
    rpage.goto(link)
    assert "This link is not valid" in rpage.locator("body").inner_text()
    replay.close()
    assert BillableEvent.objects.filter(milestone__project=project).count() == 1

    # the burn page before the change
    page.goto(f"{live_server.url}/timesheets/projects/{project.pk}/")
    budget_before = Decimal(page.locator('[data-k="budget_hours"]').inner_text().removesuffix(" h"))
    chart_before = burn_chart_series(page)

    # erin: a change order of +40 h from a new estimate version on the same engagement
    task = project.tasks.order_by("-hours", "position").first()
    assert task is not None
    sign_in(page, "erin")
    co_id = change_order_new_from_estimate(
        page,
        live_server,
        project_id=project.pk,
        activity="Geo failover rehearsal",
        role=task.role,
        hours="40",
        reason="The customer asks for a rehearsed Geo failover before go-live.",
    )
    co = ChangeOrder.objects.get(pk=co_id)
    assert page.locator("#co-hours").inner_text() == "40"
    assert "Geo failover rehearsal" in page.locator("#co-document").inner_text()
    with page.expect_navigation():
        page.click("#co-submit")
    assert page.locator("#co-status").inner_text() == "In approval"
    for who, kind in (("leo", "ps_leadership"), ("rita", "revenue")):  # the fee changes: Revenue too
        sign_in(page, who)
        change_order_approve_from_my_work(page, code=co.code, kind=kind)
    assert page.locator("#co-status").inner_text() == "Approved"
    sign_in(page, "erin")
    page.goto(f"{live_server.url}/delivery/change-orders/{co_id}/")
    with page.expect_navigation():
        page.click("#co-send")
    assert page.locator("#co-status").inner_text() == "Sent for signature"
    fc.advance(minutes=1)
    sent = inbox.wait_for(to=alan, subject=f"Change order {co.code} for signature")
    assert any(part.get_filename() == f"{co.code}.pdf" for part in sent.walk())
    change_order_sign_by_emailed_link(browser, link_in(sent, "/sign/change-orders/"), name="Alan Turing", title="CTO")
    page.reload()
    assert "waiting for the vendor signatory" in page.locator("#co-signature-status").inner_text()
    sign_in(page, "rita")  # the vendor signatory countersigns from My work: executed, sealed
    change_order_countersign_from_my_work(page, live_server, code=co.code)
    assert (
        "Alan Turing, CTO (alan@northwind.example)"
        in page.locator('#co-evidence tr[data-party="customer"]').inner_text()
    )

    # the budget and the burn chart grow by 40 h (paula, the project manager, looks)
    sign_in(page, "paula")
    page.goto(f"{live_server.url}/delivery/projects/{project.pk}/")
    assert co.code in page.locator("#budget").inner_text()
    assert Decimal(page.locator("#budget-hours").inner_text().removesuffix(" h")) == budget_before + 40
    assert page.locator("#milestones tbody tr[data-milestone]").count() == 3  # the change order's milestone
    page.goto(f"{live_server.url}/timesheets/projects/{project.pk}/")
    assert Decimal(page.locator('[data-k="budget_hours"]').inner_text().removesuffix(" h")) == budget_before + 40
    chart_after = burn_chart_series(page)
    assert chart_after[0] == [h + 40 for h in chart_before[0]], (chart_before, chart_after)

    # milestone 2: complete (from My work) → a non-conformity through the link
    page.goto(f"{live_server.url}/my-work/")
    with page.expect_navigation():
        page.locator("#work-delivery_milestones a", has_text=f": {m2}").first.click()
    milestone_mark_complete(page, live_server, project_id=project.pk, position=2)
    fc.advance(minutes=1)
    notice = inbox.wait_for(to=alan, subject="Milestone complete", about=m2.name)
    reason = "The runbook does not cover the Geo secondary."
    assert (
        failures(
            milestone_report_as_customer(browser, link_in(notice, "/r/acceptance/"), name="Alan Turing", reason=reason)
        )
        == []
    )
    page.reload()
    row = page.locator('tr[data-milestone="2"]')
    assert row.get_attribute("data-status") == "in_progress"
    assert reason in row.locator(".status").inner_text()

    # fixed: milestones 2 and 3 completed Wed 23 Dec 10:00 New York; due Thu 31 Dec (Christmas skipped)
    fc.set(datetime(2026, 12, 23, 15, 0, tzinfo=UTC))
    for position in (2, 3):
        milestone_mark_complete(page, live_server, project_id=project.pk, position=position)
    worker.settled()
    fc.set(datetime(2026, 12, 30, 15, 0, tzinfo=UTC))
    call_command("sla", "sweep")  # the system's periodic sweep
    page.reload()
    assert page.locator('tr[data-milestone="2"]').get_attribute("data-status") == "awaiting_acceptance"
    fc.set(datetime(2026, 12, 31, 15, 0, tzinfo=UTC))
    call_command("sla", "sweep")
    call_command("sla", "sweep")  # a repeated sweep bills nothing twice
    page.reload()
    for position in (2, 3):
        row = page.locator(f'tr[data-milestone="{position}"]')
        assert row.get_attribute("data-status") == "accepted"
        assert "Passively accepted" in row.locator(".acceptance").inner_text()
    m3 = Milestone.objects.get(project=project, position=3)
    assert page.locator('tr[data-milestone="3"] .billed').inner_text() == f"PSD-MS-{m3.pk}"
    assert BillableEvent.objects.filter(milestone__project=project).count() == 3
    screenshot(page, "delivery", height=900)

    # close-out: the checklist, then Closed → Completed
    assert page.locator("#complete-project").is_disabled()
    for key, note in (
        ("final_report", "Final report sent 31 Dec"),
        ("satisfaction", "https://survey.example/northwind"),
        ("lessons_learned", "Rehearse Geo failover in the SOW next time"),
    ):
        close_out_tick(page, key=key, note=note)
    with page.expect_navigation():
        page.click("#close-project")
    assert page.locator("#project-status").inner_text() == "Closed"
    with page.expect_navigation():
        page.click("#complete-project")
    assert page.locator("#project-status").inner_text() == "Completed"
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert page.locator("p:has-text('target margin') > strong").first.inner_text() == "Completed"
    page.goto(f"{live_server.url}/delivery/")
    row = page.locator(f'#delivery-projects tr[data-project="{project.pk}"]')
    assert "Completed" in row.inner_text() and "3 of 3" in row.inner_text()
    assert failures(bad) == []


# --- timesheets (issue 21) ---


def timesheets_two_weeks_approved_by_the_pm(page: Any, live_server: Any, sign_in: Any, project: Any) -> None:
    """Two weeks later: cody logs a week at a time on the project's largest task through the
    timesheet page (keyboard), submits each week; paula, the project's coordinator, finds both weeks
    on My work and approves them; the budget burn shows the approved hours."""
    from psdesk.core import clock
    from psdesk.timesheets.models import TimeEntry, TimesheetWeek
    from tests.browser.steps import timesheet_fill_week

    bad = responses_watch(page)
    frozen = clock._provider  # the journey's frozen clock (the `demo` fixture's)
    assert isinstance(frozen, clock.FrozenClock)
    frozen.advance(days=14)  # Friday 11 December 2026
    task = project.tasks.order_by("-hours", "position").first()
    assert task is not None and task.hours >= 40, list(project.tasks.values_list("name", "hours"))

    sign_in(page, "cody")
    item = page.locator(".work-group a", has_text="Timesheet: week of").first
    with page.expect_navigation():
        item.click()
    for nav, week in (("#prev-week", "30 Nov 2026"), ("#next-week", "07 Dec 2026")):
        with page.expect_navigation():
            page.click(nav)
        assert page.locator("#week-of").inner_text() == f"Week of {week}"
        timesheet_fill_week(page, task_id=task.pk, task_label=task.name, hours=["4", "4", "4", "4", "4"])
        assert page.locator("#week-total").inner_text() == "20.00"
        with page.expect_navigation():
            page.locator(f'#weeks tr[data-project="{project.pk}"] button.submit-week').click()
        page.wait_for_selector("text=Week submitted for approval.")
        assert page.locator(f'#weeks tr[data-project="{project.pk}"] .status').inner_text() == "Submitted"
    assert TimeEntry.objects.filter(project=project).count() == 10

    sign_in(page, "paula")
    for _ in range(2):
        item = page.locator(".work-group a", has_text=project.name).filter(has_text="week of").first
        with page.expect_navigation():
            item.click()
        assert page.locator("#week-status").inner_text() == "Submitted"
        with page.expect_navigation():
            page.click("#approve-week")
        page.wait_for_selector("text=Week approved.")
    weeks = TimesheetWeek.objects.filter(project=project)
    assert sorted(w.status for w in weeks) == ["approved", "approved"]
    page.goto(f"{live_server.url}/timesheets/projects/{project.pk}/")
    assert page.locator('[data-k="actual_hours"]').inner_text().startswith("40.00 h (40.00 h approved")
    page.wait_for_selector('canvas[data-chart="chart-burn"][data-rendered]')
    assert failures(bad) == []
