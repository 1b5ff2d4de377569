"""Main journey of the board: log in, drag a card forward, see a refusal inline."""

from __future__ import annotations

from typing import Any

import pytest

from psdesk.audit.models import AuditEvent
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_em_drags_a_card_to_awaiting_discovery_and_sees_a_refusal_inline(
    page: Any, live_server: Any, login: Any, people: Any, make_engagement: Any
) -> None:
    ready = make_engagement(title="Acme Corp - Scope Issue and Write SOW")
    unassigned = make_engagement(em=None, title="Initech - Scope Issue and Write SOW")
    login(page, "erin")
    page.goto(f"{live_server.url}/")
    card = page.locator(f"#card-{ready.pk}")
    card.drag_to(page.locator('.column[data-state="awaiting_discovery"] .cards'))
    moved = page.locator(f'.column[data-state="awaiting_discovery"] #card-{ready.pk}')
    moved.wait_for()
    assert page.locator('.column[data-state="awaiting_discovery"] [data-count]').inner_text() == "1"
    assert Engagement.objects.get(pk=ready.pk).state == S.AWAITING_DISCOVERY
    assert AuditEvent.objects.filter(verb="board.triage", target_id=str(ready.pk)).count() == 1

    page.locator(f"#card-{unassigned.pk}").drag_to(page.locator('.column[data-state="awaiting_discovery"] .cards'))
    refusal = page.locator(f"#card-{unassigned.pk} .refusal")
    refusal.wait_for(state="visible")
    assert refusal.inner_text() == "Assign an engagement manager before starting discovery."
    assert Engagement.objects.get(pk=unassigned.pk).state == S.OPEN


def test_keyboard_move_uses_the_same_endpoint(page: Any, live_server: Any, login: Any, make_engagement: Any) -> None:
    eng = make_engagement()
    login(page, "erin")
    page.goto(f"{live_server.url}/")
    page.locator(f"#card-{eng.pk}").focus()
    page.keyboard.press("Shift+ArrowRight")
    page.locator(f'.column[data-state="awaiting_discovery"] #card-{eng.pk}').wait_for()
    assert Engagement.objects.get(pk=eng.pk).state == S.AWAITING_DISCOVERY
