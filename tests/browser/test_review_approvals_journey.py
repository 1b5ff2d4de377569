"""A TA approves the estimate from the card drawer and an RDM approves in the drawer's Approvals
panel; each time the next board move is allowed right away (docs/process.md, The approval board)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from psdesk.board.workflow import ENGAGEMENT_WORKFLOW
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from psdesk.estimates.testing import estimate_seed_agreed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _move(page: Any, action: str) -> None:
    """Click a move in the drawer, wait for the board to answer and for the page to reload after it
    (a navigation started while the reload is under way would be aborted)."""
    with page.expect_navigation(), page.expect_response(lambda r: r.url.endswith("/move")) as resp:
        page.click(f'form.move-form:has(input[name="action"][value="{action}"]) button[type="submit"]')
    assert resp.value.status == 200


def test_ta_and_rdm_approvals_from_the_drawer_let_the_card_move_on(
    page: Any, live_server: Any, login: Any, make_engagement: Any, monkeypatch: Any
) -> None:
    # The SOW guards of submit_for_approval belong to the SOW journey; here only the RDM review counts.
    move = ENGAGEMENT_WORKFLOW.move("submit_for_approval")
    monkeypatch.setattr(move, "guards", [g for g in move.guards if g.__name__ == "rdm_approved_refusal"])
    eng = make_engagement(at=S.ESTIMATE_FEEDBACK, title="Acme Corp - Scope Issue and Write SOW")
    estimate_seed_agreed(eng, price=Decimal("60000.00"))  # above the TA threshold
    url = f"{live_server.url}/engagements/{eng.pk}/"

    login(page, "erin")
    page.goto(url)
    assert "a Technical Architect must approve v1" in page.inner_text("ul.moves")

    page.context.clear_cookies()
    login(page, "tara")
    page.goto(url)
    page.click('tr[data-kind="ta_review"] button:has-text("Approve v1")')
    page.wait_for_selector('tr[data-kind="ta_review"] td.state:has-text("approved")')

    page.context.clear_cookies()
    login(page, "erin")
    page.goto(url)
    assert "a Technical Architect must approve" not in page.inner_text("ul.moves")
    _move(page, "start_sow")
    assert Engagement.objects.get(pk=eng.pk).state == S.SOW_WIP

    page.goto(url)
    page.click('tr[data-kind="rdm_review"] button:has-text("Request")')
    page.wait_for_selector('tr[data-kind="rdm_review"] td.state:has-text("pending")')
    assert "An RDM must approve first" in page.inner_text("ul.moves")

    page.context.clear_cookies()
    login(page, "rory")
    page.goto(url)
    page.click('tr[data-kind="rdm_review"] button:has-text("Approve")')
    page.wait_for_selector('tr[data-kind="rdm_review"] td.state:has-text("approved")')

    page.context.clear_cookies()
    login(page, "erin")
    page.goto(url)
    assert "An RDM must approve first" not in page.inner_text("ul.moves")
    _move(page, "submit_for_approval")
    assert Engagement.objects.get(pk=eng.pk).state == S.READY_FOR_APPROVAL
