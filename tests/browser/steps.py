"""Reusable browser steps: what a person does on a page, through the page only (no ORM writes, no
API). Journeys (tests/browser/test_*.py) compose them; each returns what the next step needs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

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
