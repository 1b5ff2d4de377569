from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from psdesk.audit.models import AuditEvent
from psdesk.board.closed_lost_suggestions import closed_lost_suggestion_decide, closed_lost_suggestions_sweep
from psdesk.board.models import BoardPolicy, ClosedLostSuggestion
from psdesk.core import clock
from psdesk.core.errors import Conflict, PermissionDenied
from psdesk.engagements.choices import EngagementStatus as S
from psdesk.engagements.models import Engagement
from psdesk.notifications.models import Notification

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def _quiet_card(make_engagement: Any) -> Any:
    with clock.frozen(T0):
        return make_engagement(path=("triage",))


def test_a_card_idle_for_60_days_is_suggested_once_and_its_em_told(people: Any, make_engagement: Any) -> None:
    eng = _quiet_card(make_engagement)
    with clock.frozen(T0 + timedelta(days=59)):
        assert closed_lost_suggestions_sweep() == 0
    with clock.frozen(T0 + timedelta(days=61)):
        out = StringIO()
        call_command("board", "sweep-stale", stdout=out)
        assert out.getvalue().strip() == "1 Closed Lost suggestion(s) made"
        assert closed_lost_suggestions_sweep() == 0  # idempotent
    assert ClosedLostSuggestion.objects.get().engagement_id == eng.pk
    assert Notification.objects.filter(recipient=people.erin, event="engagement.stale").count() == 1


def test_confirming_closes_the_card_lost_through_the_board(people: Any, make_engagement: Any) -> None:
    _quiet_card(make_engagement)
    with clock.frozen(T0 + timedelta(days=61)):
        closed_lost_suggestions_sweep()
        s = ClosedLostSuggestion.objects.get()
        with pytest.raises(PermissionDenied):
            closed_lost_suggestion_decide(suggestion_id=s.pk, actor=people.tara, confirm=True)
        closed_lost_suggestion_decide(suggestion_id=s.pk, actor=people.erin, confirm=True)
        with pytest.raises(Conflict):
            closed_lost_suggestion_decide(suggestion_id=s.pk, actor=people.erin, confirm=True)
    assert Engagement.objects.get(pk=s.engagement_id).state == S.CLOSED_LOST
    assert AuditEvent.objects.get(verb="board.close_lost").reason == "No activity for 61 days"


def test_dismissing_restarts_the_idle_clock(people: Any, api: Any, make_engagement: Any) -> None:
    BoardPolicy.objects.create(stale_days=30)
    eng = _quiet_card(make_engagement)
    with clock.frozen(T0 + timedelta(days=31)):
        closed_lost_suggestions_sweep()
        [s] = api("erin").get("/api/v1/board/closed-lost-suggestions").json()
        r = api("erin").post(f"/api/v1/board/closed-lost-suggestions/{s['id']}/decision", {"confirm": False})
        assert r.status_code == 200 and r.json()["status"] == "dismissed"
        assert closed_lost_suggestions_sweep() == 0
    with clock.frozen(T0 + timedelta(days=62)):
        assert closed_lost_suggestions_sweep() == 1
    assert Engagement.objects.get(pk=eng.pk).state == S.AWAITING_DISCOVERY
