"""Reusable browser steps: what a person does on a page, through the page only (no ORM writes, no
API). Journeys (tests/browser/test_*.py) compose them; each returns what the next step needs."""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command

Answer = str | Sequence[str]


def responses_watch(page: Any) -> list[str]:
    """Collect every 4xx/5xx response the page receives (`"<status> <url>"`); assert it stays empty."""
    bad: list[str] = []
    page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return bad


def answer_fill(scope: Any, key: str, value: Answer) -> None:
    """Answer the scoping question in row `data-key=<service type>.<question>` of `scope` with its
    own input: a select, checkboxes (a list of choices), yes/no radios or a text box."""
    row = scope.locator(f'tr[data-key="{key}"]')
    if not isinstance(value, str):
        for choice in value:
            row.locator(f'input[type="checkbox"][value="{choice}"]').check()
        return
    if row.locator("select").count():
        row.locator("select").select_option(value)
    elif row.locator('input[type="radio"]').count():
        row.locator(f'input[type="radio"][value="{value}"]').check()
    else:
        row.locator("input:not([type=hidden])").fill(value)


def intake_fill(page: Any, intake: Mapping[str, str | bool]) -> None:
    """Fill scheduling-intake inputs by name without the `i__` prefix (selects by value, checkboxes
    with True/False, text otherwise)."""
    for name, value in intake.items():
        field = page.locator(f'[name="i__{name}"]')
        tag = field.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if tag.startswith("select"):
            field.select_option(str(value))
        elif tag == "input:checkbox":
            field.set_checked(bool(value))
        else:
            field.fill(str(value))


def calculator_new_customer(
    page: Any,
    live_server: Any,
    *,
    name: str,
    territory: str,
    segment: str,
    country: str,
    subdivision: str,
    timezone: str,
    service_types: Sequence[str],
    parent_name: str,
    parent_amount: str = "0.00",
    opportunity_name: str = "",
    close_date: str = "",
    answers: Mapping[str, Answer] | None = None,
    intake: Mapping[str, str | bool] | None = None,
) -> int:
    """The SA runs the Services Calculator for a brand-new customer: a new account, a new PS-only
    opportunity and a new parent licence opportunity; answers what is known, fills the intake and
    submits. Returns the new engagement's id (from the scoping page it lands on)."""
    page.goto(f"{live_server.url}/scoping/calculator/")
    page.check("#customer_new")
    page.fill("#new_name", name)
    page.select_option("#new_segment", segment)
    page.select_option("#new_territory", label=territory)
    page.fill("#new_country", country)
    page.fill("#new_subdivision", subdivision)
    page.select_option("#new_timezone", timezone)
    page.check("#opportunity_new")
    page.fill("#new_opp_name", opportunity_name)
    if close_date:
        page.fill("#new_opp_close_date", close_date)
    page.check("#parent_new")
    page.fill("#new_parent_name", parent_name)
    page.fill("#new_parent_amount", parent_amount)
    if close_date:
        page.fill("#new_parent_close_date", close_date)
    for key in service_types:
        page.check(f'input[name="service_types"][value="{key}"]')
    page.click("#calc-step1 button[type=submit]")
    page.locator("#calc-step2").wait_for()
    for key, value in (answers or {}).items():
        answer_fill(page.locator("#calc-step2"), key, value)
    intake_fill(page, intake or {})
    page.click("#create-scoping-issue")
    page.wait_for_url(re.compile(r".*/scoping/engagements/\d+/$"))
    match = re.search(r"/scoping/engagements/(\d+)/$", page.url)
    assert match is not None, page.url
    return int(match.group(1))


def ssot_answer_and_save(
    page: Any, live_server: Any, *, engagement_id: int, service_type: str, answers: Mapping[str, Answer]
) -> None:
    """On the engagement's SSOT page, answer several rows of one service type and save them with
    that form's one Save; waits for the saved page."""
    page.goto(f"{live_server.url}/scoping/engagements/{engagement_id}/")
    form = page.locator(f'form.ssot-form[data-service-type="{service_type}"]')
    for key, value in answers.items():
        answer_fill(form, f"{service_type}.{key}", value)
    with page.expect_navigation():
        form.locator("button.ssot-save").click()
    page.locator(".messages").wait_for()


# --- resources: time off (issue 21) ---


def time_off_request(page: Any, live_server: Any, *, day: str, reason: str) -> None:
    """The consultant signed in asks for one day off from **My time off** (found in the navigation);
    the row shows it as requested."""
    page.goto(f"{live_server.url}/my-work/")
    with page.expect_navigation():
        page.get_by_role("link", name="My time off").click()
    form = page.locator("#time-off-form")
    form.get_by_label("From").fill(day)
    form.get_by_label("To").fill(day)
    form.get_by_label("Reason").fill(reason)
    with page.expect_navigation():
        form.get_by_role("button", name="Ask for time off").click()
    row = page.locator("#my-time-off tr", has_text=reason)
    assert row.locator(".status").inner_text() == "Requested", row.inner_text()


def time_off_approve_from_my_work(page: Any, live_server: Any, *, title: str, day: str) -> None:
    """The Project Coordinator opens the time-off item titled `title` from **My work** and approves
    the request starting on `day` (YYYY-MM-DD); it leaves the list of waiting requests."""
    page.goto(f"{live_server.url}/my-work/")
    group = page.locator("#work-time_off_to_decide")
    with page.expect_navigation():
        group.get_by_role("link", name=title).click()
    row = page.locator("#time-off-requests tr[data-time-off]", has_text=day)
    with page.expect_navigation():
        row.get_by_role("button", name="Approve").click()
    assert page.locator("#time-off-requests tr[data-time-off]", has_text=day).count() == 0


# --- pictures: the dashboard and the global search (issue 19) ---


def dashboard_open(page: Any) -> int:
    """Open the PS Leadership dashboard from the navigation; wait until every chart is drawn and
    return how many there are."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    page.wait_for_url("**/dashboard/")
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')].every(c => c.dataset.rendered)")
    return int(page.locator("canvas[data-chart]").count())


def global_search(page: Any, q: str) -> dict[str, list[str]]:
    """Search from the header box; the results page's groups with the titles of their hits."""
    page.fill("#global-search", q)
    with page.expect_navigation():
        page.press("#global-search", "Enter")
    groups: dict[str, list[str]] = {}
    for g in page.locator("section.search-group").all():
        groups[str(g.get_attribute("data-group"))] = g.locator("li > a").all_inner_texts()
    return groups


# --- e-signature (issue 15) ---


def sign_by_emailed_link(browser: Any, url: str, *, name: str, title: str, clock: Any) -> None:
    """The customer signer opens the emailed link in their own browser (no PS Desk login), reads the
    PDF for a quarter of an hour (the frozen `clock` moves on, so rate budgets refill), types name
    and title, gives consent and signs."""
    context = browser.new_context()
    try:
        customer = context.new_page()
        customer.goto(url)
        clock.advance(minutes=15)
        customer.locator("#sow-pdf").wait_for()
        customer.fill("#sign-name", name)
        customer.fill("#sign-title", title)
        customer.check("#sign-consent")
        with customer.expect_navigation():
            customer.click("#sign-button")
        outcome = customer.locator("#sign-outcome")
        outcome.wait_for()
        assert f"Thank you, {name}" in outcome.inner_text()
        customer.goto(url)  # single use: the link is spent
        assert "already used" in customer.locator("#sign-outcome").inner_text()
    finally:
        context.close()


def countersign_from_my_work(page: Any, *, account: str) -> None:
    """The vendor signatory finds the SOW under My work → SOWs to countersign and countersigns it."""
    item = page.locator("#work-sows_to_countersign a", has_text=account).first
    item.wait_for()
    with page.expect_navigation():
        item.click()
    assert "vendor signatory" in page.locator("#countersign-hint").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^Countersign as ")).click()


def executed_pdf_verifies(engagement_id: int) -> None:
    """`psdesk sow verify` passes on the executed PDF and fails on a copy with one byte changed."""

    from psdesk.sows.models import Sow

    sow = Sow.objects.get(engagement_id=engagement_id)
    with sow.executed_pdf.open("rb") as fh:
        data = bytearray(fh.read())
    with tempfile.TemporaryDirectory() as tmp:
        good = Path(tmp) / "executed.pdf"
        good.write_bytes(bytes(data))
        out = io.StringIO()
        call_command("sow", "verify", str(good), stdout=out)
        assert f"valid: the executed {sow.number}" in out.getvalue()
        data[len(data) // 2] ^= 0x01
        good.write_bytes(bytes(data))
        try:
            call_command("sow", "verify", str(good), stdout=io.StringIO())
        except CommandError as exc:
            assert "NOT VALID" in str(exc)
        else:
            raise AssertionError("a tampered executed PDF passed verification")


# --- delivery (issue 21) ---


def milestone_mark_complete(page: Any, live_server: Any, *, project_id: int, position: int, note: str = "") -> None:
    """On the project's delivery page, mark milestone `position` complete (the completion notice goes
    out); waits for the page to confirm it."""
    page.goto(f"{live_server.url}/delivery/projects/{project_id}/")
    row = page.locator(f'tr[data-milestone="{position}"]')
    if note:
        row.get_by_label(f"Completion note for milestone {position}").fill(note)
    with page.expect_navigation():
        row.get_by_role("button", name=f"Mark milestone {position} complete").click()
    page.locator(f'tr[data-milestone="{position}"][data-status="awaiting_acceptance"]').wait_for()


def milestone_accept_as_customer(browser: Any, link: str, *, name: str) -> list[str]:
    """The customer, logged out in a browser of their own, opens the completion notice's link and
    accepts the milestone. Returns the 4xx/5xx answers seen."""
    customer = browser.new_context()
    cpage = customer.new_page()
    bad = responses_watch(cpage)
    cpage.goto(link)
    form = cpage.locator("#accept-form")
    form.get_by_label("Your name").fill(name)
    with cpage.expect_navigation():
        form.get_by_role("button", name="We accept this milestone").click()
    cpage.locator("#outcome").wait_for()
    customer.close()
    return bad


def milestone_report_as_customer(browser: Any, link: str, *, name: str, reason: str) -> list[str]:
    """The customer opens the completion notice's link and reports a non-conformity (reason given).
    Returns the 4xx/5xx answers seen."""
    customer = browser.new_context()
    cpage = customer.new_page()
    bad = responses_watch(cpage)
    cpage.goto(link)
    form = cpage.locator("#report-form")
    form.get_by_label("Your name").fill(name)
    form.get_by_label("What does not conform?").fill(reason)
    with cpage.expect_navigation():
        form.get_by_role("button", name="Report a non-conformity").click()
    cpage.locator("#outcome").wait_for()
    customer.close()
    return bad


# --- timesheets (issue 21) ---


def timesheet_fill_week(page: Any, *, task_id: int, task_label: str, hours: list[str]) -> None:
    """On the open timesheet week, make sure the task has a row (adding it with "Add a task" when
    it has none), type `hours` Monday onwards by keyboard (arrow keys between cells), save with
    Enter and wait for the saved page."""
    row = page.locator(f'tr[data-task="{task_id}"]')
    if not row.count():
        page.select_option("#add-task select", str(task_id))
        with page.expect_navigation():
            page.click("#add-task button")
    first = page.locator(f'tr[data-task="{task_id}"] input[aria-label^="{task_label} on Mon"]')
    first.click()
    for i, h in enumerate(hours):
        if i:
            page.keyboard.press("End")
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Control+A")
        page.keyboard.type(h)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("text=Timesheet saved.")


# --- change order e-sign (issue 21) ---


def change_order_create_from_new_version(
    page: Any, live_server: Any, *, project_id: int, version_number: int, reason: str
) -> int:
    """The EM, on the project's delivery page: New change order → the newer estimate version `v<n>`
    and the reason → Create. Returns the change order's id (from the page it lands on)."""
    page.goto(f"{live_server.url}/delivery/projects/{project_id}/")
    with page.expect_navigation():
        page.click("#new-change-order")
    select = page.locator('#change-order-form select[name="estimate_version_id"]')
    value = select.locator("option", has_text=f"v{version_number} ·").first.get_attribute("value")
    select.select_option(str(value))
    page.fill('#change-order-form textarea[name="reason"]', reason)
    with page.expect_navigation():
        page.get_by_role("button", name="Create change order").click()
    match = re.search(r"/delivery/change-orders/(\d+)/", page.url)
    assert match, f"not on a change order's page: {page.url}"
    page.locator("#co-status").wait_for()
    return int(match.group(1))


def change_order_open(page: Any, live_server: Any, *, change_order_id: int) -> str:
    """Open the change order's page; returns its status as shown."""
    page.goto(f"{live_server.url}/delivery/change-orders/{change_order_id}/")
    return str(page.locator("#co-status").inner_text())


def change_order_request_approvals(page: Any, live_server: Any, *, change_order_id: int) -> None:
    """The EM asks for the approvals on the change order's content hash."""
    change_order_open(page, live_server, change_order_id=change_order_id)
    with page.expect_navigation():
        page.click("#co-submit")
    assert page.locator("#co-status").inner_text() == "In approval"


def change_order_approve(page: Any, live_server: Any, *, change_order_id: int, kind: str) -> str:
    """An approver (PS Leadership: kind "ps_leadership"; Revenue: "revenue") approves on the change
    order's page. Returns the status shown afterwards."""
    change_order_open(page, live_server, change_order_id=change_order_id)
    with page.expect_navigation():
        page.locator(f'button[name="decision"][value="approve"][data-kind="{kind}"]').click()
    return str(page.locator("#co-status").inner_text())


def change_order_send_for_signature(
    page: Any, live_server: Any, *, change_order_id: int, signer_email: str = ""
) -> None:
    """The EM sends the approved change order for the customer's e-signature (the emailed link)."""
    change_order_open(page, live_server, change_order_id=change_order_id)
    if signer_email:
        page.get_by_label("Signer email").fill(signer_email)
    with page.expect_navigation():
        page.click("#co-send")
    assert page.locator("#co-status").inner_text() == "Sent for signature"


def change_order_sign_by_emailed_link(browser: Any, url: str, *, name: str, title: str) -> None:
    """The customer's signer opens the emailed change-order link in a browser of their own (no PS
    Desk login), types name and title, consents and signs; the link is spent afterwards."""
    context = browser.new_context()
    try:
        customer = context.new_page()
        customer.goto(url)
        customer.locator("#co-pdf").wait_for()
        customer.fill("#sign-name", name)
        customer.fill("#sign-title", title)
        customer.check("#sign-consent")
        with customer.expect_navigation():
            customer.click("#sign-button")
        outcome = customer.locator("#sign-outcome")
        outcome.wait_for()
        assert f"Thank you, {name}" in outcome.inner_text()
        customer.goto(url)  # single use
        assert "already used" in customer.locator("#sign-outcome").inner_text()
    finally:
        context.close()


def change_order_countersign_from_my_work(page: Any, live_server: Any, *, code: str) -> None:
    """The vendor signatory finds the change order under My work → Change orders to countersign and
    countersigns it on its page; the change order is Executed with a sealed PDF."""
    page.goto(f"{live_server.url}/my-work/")
    item = page.locator("#work-delivery_change_orders_to_countersign a", has_text=code).first
    item.wait_for()
    with page.expect_navigation():
        item.click()
    with page.expect_navigation():
        page.click("#co-countersign")
    assert page.locator("#co-status").inner_text() == "Executed"
    page.locator("#co-executed-pdf").wait_for()


# --- delivery journey (issue 21) ---


def change_order_new_from_estimate(
    page: Any, live_server: Any, *, project_id: int, activity: str, role: str, hours: str, reason: str
) -> int:
    """The EM, on the project's delivery page, starts a change order; with no newer estimate yet the
    page sends them to the engagement's estimates, where they make a new version from the one in
    force and add the changed activity; back on the delivery page they create the change order from
    that version with the reason. Returns the change order's id (from its page)."""
    page.goto(f"{live_server.url}/delivery/projects/{project_id}/")
    with page.expect_navigation():
        page.click("#new-change-order")
    with page.expect_navigation():
        page.get_by_role("link", name="Write the new version of the estimate").click()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile(r"^New version from v\d+$")).click()
    page.get_by_label("New activity 1", exact=True).fill(activity)
    page.get_by_label("New role 1", exact=True).select_option(role)
    page.get_by_label("New hours 1", exact=True).fill(hours)
    with page.expect_navigation():
        page.get_by_role("button", name="Save draft").click()
    page.goto(f"{live_server.url}/delivery/projects/{project_id}/")
    with page.expect_navigation():
        page.click("#new-change-order")
    form = page.locator("#change-order-form")
    form.get_by_label("Why the scope changes").fill(reason)
    with page.expect_navigation(url=re.compile(r".*/delivery/change-orders/\d+/$")):
        form.get_by_role("button", name="Create change order").click()
    match = re.search(r"/delivery/change-orders/(\d+)/$", page.url)
    assert match is not None, page.url
    return int(match.group(1))


def change_order_approve_from_my_work(page: Any, *, code: str, kind: str) -> None:
    """An approver opens the change order from My work → Change orders to approve and approves
    their kind of approval (`ps_leadership`, `revenue`) on its content."""
    item = page.locator("#work-delivery_change_orders a", has_text=code).first
    item.wait_for()
    with page.expect_navigation():
        item.click()
    with page.expect_navigation():
        page.locator(f'button[name="decision"][value="approve"][data-kind="{kind}"]').click()
    page.locator(f'#co-approvals tr[data-kind="{kind}"][data-state="approved"]').wait_for()


def burn_chart_series(page: Any) -> list[list[float]]:
    """The burn page's drawn chart: each dataset's points, as Chart.js holds them."""
    page.wait_for_selector('canvas[data-chart="chart-burn"][data-rendered]')
    series: list[list[float]] = page.evaluate(
        "() => window.psdeskCharts['chart-burn'].data.datasets.map(d => d.data.map(Number))"
    )
    return series


def close_out_tick(page: Any, *, key: str, note: str) -> None:
    """On the delivery page's close-out checklist, tick item `key` with its note (a link or text)."""
    form = page.locator(f'#close-out form:has(input[name="key"][value="{key}"])')
    form.locator('input[name="note"]').fill(note)
    with page.expect_navigation():
        form.locator("button").click()
    page.locator(f'#close-out button[data-key="{key}"][aria-pressed="true"]').wait_for()


# --- documents rendered in the worker (issue 15) ---


class DocumentsWorker:
    """The background worker for the "documents" queue (django-tasks-db's `db_worker`, batch passes
    in a thread), for journeys without the Monday journey's all-queue worker."""

    def __init__(self) -> None:
        import threading

        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="documents-worker", daemon=True)

    def _loop(self) -> None:
        from django.db import connection
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["documents"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="journey-documents",
            excluded_queue_names=[],
        )
        try:
            while not self.stop.is_set():
                worker.run()  # batch mode: returns when no task is ready
                self.stop.wait(0.2)  # the worker's poll interval, not a test wait
        finally:
            connection.close()

    def __enter__(self) -> DocumentsWorker:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


def sow_files_ready(page: Any, version: int) -> None:
    """On the SOW page, wait until the worker rendered `version`: its "Rendering…" note gives way to
    the DOCX and PDF links (rendering.js polls the version's status)."""
    page.locator(f"#files-v{version} a", has_text="PDF").wait_for(timeout=120_000)
