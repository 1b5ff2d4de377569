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
