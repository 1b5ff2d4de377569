"""Query-count baselines (tests/query_counts.json) of the scoping lists, measured at two data sizes
with one baseline each: Ask PS (mine and to answer), the PubSec access requests, the questionnaires,
an engagement's SSOT history and my questions in the API stay flat in N."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.test import Client

from psdesk.audit.services import audit_record
from psdesk.core.testing.query_counts import SIZES, FlatBaselines
from psdesk.scoping.choices import AskPsKind, AskPsRoute
from psdesk.scoping.models import AskPsAnswer, AskPsRequest, PubSecAccessRequest, Question, ServiceType

pytestmark = pytest.mark.django_db


def test_scoping_lists_are_flat(people: Any, api: Any, make_account: Any, make_engagement: Any) -> None:
    counts = FlatBaselines(__file__)
    sam_web, erin_web, oscar_web = Client(), Client(), Client()
    sam_web.force_login(people.sam)
    erin_web.force_login(people.erin)
    oscar_web.force_login(people.oscar)
    sam, erin = api("sam"), api("erin")
    eng = make_engagement(make_account("Scoped", em=people.erin))
    base_types = ServiceType.objects.count()
    for n in SIZES:
        for i in range(AskPsRequest.objects.count(), n):
            acc = make_account(f"Asked {i:02}", em=people.erin)
            q = AskPsRequest.objects.create(
                kind=AskPsKind.ACCOUNT, asker=people.sam, account=acc, subject=f"Question {i:02}", body="?",
                route=AskPsRoute.EM, routed_to=people.erin,
            )  # fmt: skip
            if i % 2:
                AskPsAnswer.objects.create(request=q, author=people.erin, body=f"Answer {i:02}")
            u = User.objects.create(username=f"asker{i:02}", email=f"asker{i:02}@example.com")
            PubSecAccessRequest.objects.create(user=u, justification=f"Need {i:02}")
            st = ServiceType.objects.create(key=f"qc-{i:02}", name=f"Service type {i:02}", position=100 + i)
            Question.objects.create(service_type=st, key="scope", text=f"Scope {i:02}?")
            with transaction.atomic():
                audit_record(
                    verb="scoping.ssot_answered", actor=people.erin, target=eng,
                    before={"answer": ""}, after={"question": "scope", "answer": f"Answer {i:02}"},
                )  # fmt: skip
        assert ServiceType.objects.count() - base_types == n
        counts.at(n)
        counts.measure("scoping.ask_ps", sam_web.get, "/scoping/ask/", f"Question {n - 1:02}")
        counts.measure("scoping.ask_ps.to_answer", erin_web.get, "/scoping/ask/", "Question 00")
        counts.measure("scoping.pubsec_requests", oscar_web.get, "/scoping/pubsec-access/", f"asker{n - 1:02}")
        counts.measure("api.scoping.ask-ps", sam.get, "/api/v1/scoping/ask-ps", f"Question {n - 1:02}")
        counts.measure("api.scoping.service-types", sam.get, "/api/v1/scoping/service-types", f"Scope {n - 1:02}?")
        history = f"/api/v1/scoping/engagements/{eng.pk}/ssot-history"
        counts.measure("api.scoping.engagements.ssot-history", erin.get, history)
        assert len(erin.get(history).json()) == n
    counts.check()
