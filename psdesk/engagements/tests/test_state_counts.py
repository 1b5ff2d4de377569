"""The per-state counts (`EngagementStateCount`) stay equal to a count of the engagements through
every kind of write: the service, bulk inserts, queryset updates, deletes, an engagement moved to
another account and an account turned US Public Sector and back (the triggers of migration 0006)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Count

from psdesk.board.selectors import board_state_counts
from psdesk.engagements.models import Engagement, EngagementStateCount

pytestmark = pytest.mark.django_db


def _truth() -> dict[tuple[str, bool], int]:
    rows = Engagement.objects.order_by().values_list("state", "account__us_public_sector").annotate(n=Count("id"))
    return {(s, bool(ps)): n for s, ps, n in rows}


def _kept() -> dict[tuple[str, bool], int]:
    return {
        (s, bool(ps)): n for s, ps, n in EngagementStateCount.objects.values_list("state", "us_public_sector", "n") if n
    }


def test_counts_follow_every_write(make_account: Any, make_engagement: Any, people: Any) -> None:
    plain, secret = make_account("Plain"), make_account("Secret", pubsec=True)
    cards = [make_engagement(plain, path=("triage",)) for _ in range(3)] + [make_engagement(secret)]
    assert _kept() == _truth() == {("awaiting_discovery", False): 3, ("open", True): 1}

    Engagement.objects.bulk_create([Engagement(title=f"bulk {i}", account=plain, state="open") for i in range(5)])
    Engagement.objects.filter(title__startswith="bulk").update(state="on_hold")  # one statement, five rows
    assert _kept() == _truth()

    Engagement.objects.filter(pk=cards[0].pk).update(account=secret)  # moved to a PubSec account
    cards[1].title = "renamed"
    cards[1].save()  # a save rewriting the same state counts nothing twice
    assert _kept() == _truth()

    secret.us_public_sector = False
    secret.save()
    assert _kept() == _truth() and ("open", True) not in _kept()
    plain.us_public_sector = True
    plain.save()
    assert _kept() == _truth()

    Engagement.objects.filter(title__startswith="bulk").delete()
    cards[2].delete()
    assert _kept() == _truth()


def test_board_counts_from_the_kept_rows_hide_pubsec_from_outsiders(
    make_account: Any, make_engagement: Any, people: Any
) -> None:
    make_engagement(make_account("Plain"), path=("triage",))
    make_engagement(make_account("Secret", pubsec=True), em="pat", path=("triage",))
    make_engagement(make_account("Other"))
    assert board_state_counts(user=people.erin) == {"awaiting_discovery": 1, "open": 1}
    assert board_state_counts(user=people.pat) == {"awaiting_discovery": 2, "open": 1}
