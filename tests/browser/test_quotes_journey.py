"""Standard-SKU order path in a real browser: create a PS-only opportunity, build a quote, preview
the order form, mark it signed and close the opportunity won."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.crm.choices import OpportunityStage, RecordType
from psdesk.crm.models import Opportunity
from psdesk.quotes.models import Quote

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_ae_orders_standard_skus_and_closes_won(
    page: Any, live_server: Any, login: Any, people: Any, make_account: Any
) -> None:
    from psdesk.catalog.demo import catalog_seed
    from psdesk.core import clock
    from psdesk.crm.services import opportunity_create

    catalog_seed()
    acc = make_account("Initech")
    opportunity_create(actor=people.alice, account=acc, record_type=RecordType.LICENSE, name="Initech - Ultimate")
    login(page, "alice")

    page.goto(f"{live_server.url}/crm/opportunities/new/")
    page.select_option("#id_account", label="Initech")
    page.wait_for_selector("#id_parent")
    page.click("#create-opportunity")  # no parent chosen: refused inline
    assert "needs its parent license opportunity" in page.inner_text("#parent-error")
    page.select_option("#id_parent", label="Initech - Ultimate")
    assert page.input_value("#id_name") == f"Initech- Professional Services {clock.today():%m/%y}"
    page.click("#create-opportunity")
    page.wait_for_selector("#start-quote")
    opp = Opportunity.objects.get(record_type=RecordType.PS_ONLY)

    page.click("#start-quote")
    page.click("#standard-yes")
    page.wait_for_selector("#add-line")
    page.select_option("#id_sku_code", "GL-CICD-R")
    page.fill("#id_attendees", "13")
    page.click("#add-line-button")
    page.wait_for_selector('tr[data-sku="SRV-PERSEAT-R"]')
    assert page.inner_text("#quote-total") == "USD 5500.00"

    page.click("#preview-link")
    page.wait_for_selector("#order-form")
    form_text = page.inner_text("#order-form")
    assert "GL-CICD-R" in form_text and "SRV-PERSEAT-R" in form_text and "USD 5500.00" in form_text
    page.go_back()

    page.click('button[data-action="send"]')
    page.wait_for_selector("#id_signer_name")
    page.fill("#id_signer_name", "Cam Customer")
    page.fill("#id_signed_on", f"{clock.today():%Y-%m-%d}")
    page.fill("#id_po_number", "PO-4711")
    page.click('button[data-action="mark_signed"]')
    page.wait_for_selector("#signed-by")
    assert Quote.objects.get(opportunity=opp).state == "signed"

    page.goto(f"{live_server.url}/crm/opportunities/{opp.pk}/")
    page.click('button[data-action="close_won"]')
    page.wait_for_selector("text=Moved to Closed Won.")
    assert page.inner_text("#stage") == "Closed Won"
    assert "Closed Won" in page.inner_text("#stage-history")
    assert Opportunity.objects.get(pk=opp.pk).stage == OpportunityStage.CLOSED_WON
    assert AuditEvent.objects.filter(verb="crm_opportunity.close_won", target_id=str(opp.pk)).count() == 1
