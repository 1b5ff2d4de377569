"""Query-count baselines (tests/query_counts.json) of the accounts lists, measured at two data sizes
with one baseline each: My work (an EM's cards to triage and questions to answer growing) and the
PubSec recertification page stay flat in N."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from psdesk.accounts.models import PubSecMembership
from psdesk.accounts.roles import Role
from psdesk.core import clock
from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.engagements.models import Engagement
from psdesk.scoping.choices import AskPsKind, AskPsRoute
from psdesk.scoping.models import AskPsRequest

pytestmark = pytest.mark.django_db


def test_my_work_and_pubsec_review_are_flat(people: Any, make_account: Any, make_engagement: Any) -> None:
    counts = FlatBaselines(__file__)
    erin, oscar = Client(), Client()
    erin.force_login(people.erin)
    oscar.force_login(people.oscar)
    pubsec = Group.objects.get(name=Role.US_PUBLIC_SECTOR)
    now = clock.now()
    for n in SIZES:
        for i in range(Engagement.objects.filter(em=people.erin).count(), n):
            acc = make_account(f"Triage {i}", em=people.erin)
            make_engagement(acc)
            AskPsRequest.objects.create(
                kind=AskPsKind.ACCOUNT, asker=people.sam, account=acc, subject=f"Question {i}", body="?",
                route=AskPsRoute.EM, routed_to=people.erin,
            )  # fmt: skip
            u = User.objects.create(username=f"member{i}", email=f"member{i}@example.com")
            u.groups.add(pubsec)
            PubSecMembership.objects.create(
                user=u, granted_at=now, granted_by=people.oscar, second_approver=people.leo,
                reviewed_by=people.oscar, reviewed_at=now, expires_at=now + datetime.timedelta(days=30 * (i + 1)),
            )  # fmt: skip
        counts.at(n)
        counts.measure("accounts.my_work", erin.get, "/my-work/", "Triage 0", "Question 0")
        counts.measure("accounts.pubsec_review", oscar.get, "/accounts/pubsec-review/", f"member{n - 1}")
    counts.check()
