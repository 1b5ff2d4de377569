"""Query-count baselines (tests/query_counts.json) of the training lists, measured at two data sizes
with one baseline each: the training home, the planning board, the session calendar and the requests
and sessions API lists stay flat in N."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.training.models import Session, TrainingRequest
from psdesk.training.services import registration_create

pytestmark = pytest.mark.django_db

# The frozen "now" is Friday 2026-11-27 16:00 UTC: sessions on the 30th are upcoming and in this month.
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_training_lists_are_flat(people: Any, api: Any, make_trainer_request: Any, make_session: Any) -> None:
    counts = FlatBaselines(__file__)
    tom_web, paula_web = Client(), Client()
    tom_web.force_login(people.tom)
    paula_web.force_login(people.paula)
    paula = api("paula")
    for n in SIZES:
        for i in range(TrainingRequest.objects.count(), n):
            make_trainer_request(team=f"Team {i}")
            s = make_session(starts_at=MONDAY + timedelta(minutes=10 * i), hours=1, audience="internal")
            registration_create(session_id=s.pk, user=people.tom, actor=people.paula, send_link=False)
        assert Session.objects.count() == n
        counts.at(n)
        counts.measure("training.index", tom_web.get, "/training/")
        assert tom_web.get("/training/").content.decode().count("/training/requests/") >= n
        counts.measure("training.planning", paula_web.get, "/training/planning/", f"Team {n - 1}")
        counts.measure("training.calendar", paula_web.get, "/training/sessions/?year=2026&month=11")
        counts.measure("api.training.requests", paula.get, "/api/v1/training/requests", f"Team {n - 1}")
        counts.measure("api.training.sessions", paula.get, "/api/v1/training/sessions")
        assert paula.get("/api/v1/training/sessions").json()["count"] == n
    counts.check()
