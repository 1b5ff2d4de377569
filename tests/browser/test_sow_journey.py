"""The custom-engagement journey in the browser: agreed estimate → SOW generated → customer mark-up
accepted → reviewed → submitted → approvals → legal stamp → release → customer signature (signed PDF
checked) → countersignature → the opportunity closes won and the card follows to Closed Won."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from tests.browser.steps import DocumentsWorker, sow_files_ready

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _current(sow: Any) -> Any:
    assert sow.current is not None, "the SOW has a current version"
    return sow.current


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _wait_state(eng_id: int, state: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Engagement.objects.get(pk=eng_id).state == state:
            return
        time.sleep(0.1)
    raise AssertionError(f"engagement {eng_id} never reached {state}: {Engagement.objects.get(pk=eng_id).state}")


def _click(page: Any, name: str) -> None:
    page.get_by_role("button", name=name).click()
    page.wait_for_load_state()


@pytest.fixture(autouse=True)
def _documents_worker() -> Any:
    with DocumentsWorker() as w:
        yield w


def test_custom_journey_from_agreed_estimate_to_closed_won(
    page: Any, live_server: Any, login: Any, people: Any, make_engagement: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from psdesk.approvals.services import approval_decide, approval_request
    from psdesk.board.approval_state import engagement_content_hash
    from psdesk.board.opportunity_close import close_cards_when_opportunity_closes
    from psdesk.crm import services as crm
    from psdesk.crm.choices import RecordType
    from psdesk.engagements.services import engagement_label_set
    from psdesk.sows.models import Sow
    from psdesk.sows.tests.conftest import make_estimate
    from psdesk.sows.tests.test_markup import marked_up

    monkeypatch.setattr(crm, "AFTER_STAGE_HOOKS", [close_cards_when_opportunity_closes])  # projects: own tests
    eng = make_engagement(description="Stand up GitLab and migrate the first wave.")
    lic = crm.opportunity_create(actor=people.alice, account=eng.account, record_type=RecordType.LICENSE)
    opp = crm.opportunity_create(actor=people.alice, account=eng.account, parent=lic, stage="6_awaiting_signature")
    Engagement.objects.filter(pk=eng.pk).update(state=S.SOW_WIP, opportunity=opp)
    make_estimate(eng)  # the customer agreed to v1
    engagement_label_set(engagement=eng, label="RDM::approved", actor=people.rory)
    sow_url = f"{live_server.url}/sows/engagements/{eng.pk}/"

    # EM: generate, take the customer's mark-up, record the review, submit for approval
    login(page, "erin")
    page.goto(sow_url)
    _click(page, "Generate SOW from the agreed estimate")
    assert "Generated version 1." in page.content()
    assert page.locator(".sow-preview h2", has_text="8. Fees").count() == 1
    sow_files_ready(page, 1)
    sow = Sow.objects.get(engagement=eng)
    with _current(sow).docx.open("rb") as fh:
        redlined = tmp_path / "acme-redlines.docx"
        redlined.write_bytes(marked_up(fh.read()))
    page.set_input_files("input[name=file]", str(redlined))
    _click(page, "Upload mark-up")
    assert page.locator(".markup ins", has_text="two staging environments.").count() == 1
    _click(page, "Accept mark-up")
    assert "Mark-up accepted: version 2." in page.content()
    assert page.locator(".sow-preview", has_text="Customer provides two staging environments.").count() == 1
    sow_files_ready(page, 2)
    _click(page, "Record review of v2")
    assert page.locator("#sow-reviewed").inner_text() == "yes (v2)"
    page.goto(live_server.url + reverse("board:detail", args=[eng.pk]))
    page.get_by_role("button", name="Submit for approval").click()
    _wait_state(eng.pk, S.READY_FOR_APPROVAL)

    # PS Leadership and Revenue approve the current SOW hash (the approvals UI has its own tests)
    eng.refresh_from_db()
    sow.refresh_from_db()
    h = engagement_content_hash(eng)
    assert h == _current(sow).content_hash
    for kind, who in (("ps_leadership", people.leo), ("revenue", people.rita)):
        req = approval_request(kind=kind, target=eng, content_hash=h, requester=people.erin)
        approval_decide(request_id=req.pk, decider=who, approve=True, content_hash=h)
    _wait_state(eng.pk, S.APPROVED)

    # Legal stamps; the EM releases and records the customer's signed PDF
    page.context.clear_cookies()  # log out, then in as the next person
    login(page, "lena")
    page.goto(sow_url)
    _click(page, "Legal stamp v2")
    assert page.locator("#sow-status").inner_text() == "Legal stamped"
    page.context.clear_cookies()  # log out, then in as the next person
    login(page, "erin")
    page.goto(sow_url)
    page.fill("input[name=signer_email]", "carl@customer.example")
    _click(page, "Release for signature")
    assert page.locator("#sow-status").inner_text() == "Released for signature"
    signed = tmp_path / "signed.pdf"
    with _current(sow).pdf.open("rb") as fh:
        signed.write_bytes(fh.read())
    page.click("summary:has-text('Signed on paper instead')")  # the customer signed on paper, not by the link
    page.fill("input[name=name]", "Carl Customer")
    page.fill("input[name=title]", "CTO")
    page.set_input_files("input[name=signed_pdf]", str(signed))
    _click(page, "Record customer signature")
    assert page.locator("#sow-status").inner_text() == "Signed by the customer"

    # Revenue countersigns; Deal Desk records "no PO required" and closes the opportunity won
    page.context.clear_cookies()  # log out, then in as the next person
    login(page, "rita")
    page.goto(sow_url)
    with page.expect_navigation():
        page.locator("form[action$='/countersign'] button").click()
    assert page.locator("#sow-status").inner_text() == "Executed"
    crm.opportunity_update(opportunity_id=opp.pk, actor=people.rita, changes={"no_po_required": True})
    page.goto(f"{live_server.url}/crm/opportunities/{opp.pk}/")
    page.locator("button[data-action=close_won]").click()
    page.wait_for_load_state()
    assert "Moved to Closed Won." in page.content()
    _wait_state(eng.pk, S.CLOSED_WON)
    page.goto(sow_url)
    assert page.locator("#sow-column").inner_text() == "proposal::Closed_Won"
