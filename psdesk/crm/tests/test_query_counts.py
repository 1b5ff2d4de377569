"""Query-count baselines (tests/query_counts.json) of the CRM lists, measured at two data sizes with
one baseline each: the accounts and opportunities pages and their API lists stay flat in N."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.crm.choices import RecordType
from psdesk.crm.models import Account, Opportunity

pytestmark = pytest.mark.django_db


def test_crm_lists_are_flat(people: Any, api: Any, make_account: Any) -> None:
    counts = FlatBaselines(__file__)
    web = Client()
    web.force_login(people.alice)
    alice = api("alice")
    for n in SIZES:
        while Account.objects.count() < n:
            i = Account.objects.count()
            acc = make_account(f"Acct {i}", em=people.erin, owner=people.alice)
            lic = Opportunity.objects.create(
                name=f"Lic {i}", account=acc, owner=people.alice, record_type=RecordType.LICENSE
            )
            Opportunity.objects.create(
                name=f"Opp {i} PS", account=acc, owner=people.alice, parent=lic, engagement_manager=people.erin
            )
        counts.at(n)
        last = f"Acct {n - 1}"
        counts.measure("crm.accounts", web.get, "/crm/accounts/", last)
        counts.measure("crm.opportunities", web.get, "/crm/opportunities/", f"Opp {n - 1} PS")
        counts.measure("api.crm.accounts", alice.get, "/api/v1/crm/accounts", last)
        counts.measure("api.crm.opportunities", alice.get, "/api/v1/crm/opportunities", f"Opp {n - 1} PS")
    counts.check()
