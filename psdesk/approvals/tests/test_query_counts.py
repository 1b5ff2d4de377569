"""Query-count baselines (tests/query_counts.json) of the approval lists, measured at two data sizes
with one baseline each: the pending-approvals API list (the decider's inbox) and the board's open
"Closed Lost?" suggestions stay flat in N."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from psdesk.approvals.choices import ApprovalKind
from psdesk.approvals.models import ApprovalRequest
from psdesk.approvals.services import approval_request
from psdesk.board.models import ClosedLostSuggestion
from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines

pytestmark = pytest.mark.django_db


def test_approval_lists_are_flat(people: Any, api: Any, make_account: Any, make_engagement: Any) -> None:
    counts = FlatBaselines(__file__)
    leo, erin = api("leo"), api("erin")
    for n in SIZES:
        for i in range(ApprovalRequest.objects.count(), n):
            eng = make_engagement(make_account(f"Approve {i:02}"))
            approval_request(
                kind=ApprovalKind.PS_LEADERSHIP, target=eng, content_hash=f"{i:064x}", requester=people.erin
            )
            ClosedLostSuggestion.objects.create(engagement=eng, idle_since=clock.now() - timedelta(days=60))
        counts.at(n)
        counts.measure("api.approvals.pending", leo.get, "/api/v1/approvals/pending", f"Approve {n - 1:02}")
        counts.measure("api.board.closed-lost-suggestions", erin.get, "/api/v1/board/closed-lost-suggestions")
        assert len(erin.get("/api/v1/board/closed-lost-suggestions").json()) == n
    counts.check()
