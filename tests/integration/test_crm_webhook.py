"""The signed CRM webhook moves the built-in CRM opportunity through psdesk.crm.services."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from psdesk.audit.models import AuditEvent
from psdesk.integrations.inbound import sign
from psdesk.integrations.models import InboundEvent

pytestmark = pytest.mark.django_db
URL = "/api/v1/integrations/webhooks/crm"


@pytest.fixture(autouse=True)
def _secret(settings: Any) -> None:
    settings.PSDESK_WEBHOOK_SECRETS = {"crm": "s3cret"}


@pytest.fixture
def opportunity(people: Any, make_account: Any) -> Any:
    from psdesk.crm.models import Opportunity

    return Opportunity.objects.create(name="Acme PS", account=make_account("Acme Corp"), owner=people.alice)


def _post(frozen_clock: Any, **data: Any) -> Any:
    body = json.dumps({"id": "evt-1", "type": "opportunity.stage_changed", **data}).encode()
    sig = sign(secret="s3cret", body=body, timestamp=int(frozen_clock.at.timestamp()))
    return Client().post(URL, body, content_type="application/json", HTTP_X_PSDESK_SIGNATURE=sig)


def test_a_stage_change_moves_the_opportunity_once_with_an_audit_row(frozen_clock: Any, opportunity: Any) -> None:
    r = _post(frozen_clock, opportunity_id=str(opportunity.pk), stage="2-Scoping")
    assert r.status_code == 200, r.content
    assert r.json()["result"] == {"opportunity": opportunity.pk, "stage": "2_scoping", "changed": True}
    opportunity.refresh_from_db()
    assert opportunity.stage == "2_scoping"
    audit = AuditEvent.objects.filter(target_id=str(opportunity.pk), reason="CRM webhook evt-1")
    assert audit.count() == 1
    again = _post(frozen_clock, opportunity_id=str(opportunity.pk), stage="2-Scoping")
    assert again.json()["duplicate"] is True and audit.count() == 1


def test_an_unknown_opportunity_is_404_and_nothing_is_recorded(frozen_clock: Any, opportunity: Any) -> None:
    r = _post(frozen_clock, opportunity_id="006XXXXXXXXXXXX", stage="2-Scoping")
    assert r.status_code == 404 and not InboundEvent.objects.exists()


def test_an_unknown_stage_is_400(frozen_clock: Any, opportunity: Any) -> None:
    r = _post(frozen_clock, opportunity_id=str(opportunity.pk), stage="11-Maybe")
    assert r.status_code == 400 and r.json()["message"] == "Unknown stage '11-Maybe'."
    opportunity.refresh_from_db()
    assert opportunity.stage == "1_discovery"


def _signed(frozen_clock: Any, **data: Any) -> tuple[bytes, str]:
    body = json.dumps({"id": "evt-1", "type": "opportunity.stage_changed", **data}).encode()
    return body, sign(secret="s3cret", body=body, timestamp=int(frozen_clock.at.timestamp()))


def test_identical_deliveries_one_after_another_apply_once_and_answer_duplicate(
    frozen_clock: Any, opportunity: Any
) -> None:
    body, sig = _signed(frozen_clock, opportunity_id=str(opportunity.pk), stage="2-Scoping")
    answers = [Client().post(URL, body, content_type="application/json", HTTP_X_PSDESK_SIGNATURE=sig) for _ in range(3)]
    assert [(a.status_code, a.json()["duplicate"]) for a in answers] == [(200, False), (200, True), (200, True)]
    assert AuditEvent.objects.filter(target_id=str(opportunity.pk), reason="CRM webhook evt-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_deliveries_apply_once_and_the_others_answer_duplicate(
    frozen_clock: Any, opportunity: Any
) -> None:
    """Threads with their own connections; on PostgreSQL the second insert of the event id waits on
    the unique index until the first delivery commits (on SQLite the write lock serialises them)."""
    body, sig = _signed(frozen_clock, opportunity_id=str(opportunity.pk), stage="2-Scoping")
    barrier = threading.Barrier(10)
    answers: list[tuple[int, bool | None]] = []

    def deliver() -> None:
        try:
            barrier.wait()
            r = Client().post(URL, body, content_type="application/json", HTTP_X_PSDESK_SIGNATURE=sig)
            answers.append((r.status_code, r.json().get("duplicate")))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers, key=str) == [(200, False)] + [(200, True)] * 9
    opportunity.refresh_from_db()
    assert opportunity.stage == "2_scoping"
    assert InboundEvent.objects.count() == 1
    assert AuditEvent.objects.filter(target_id=str(opportunity.pk), reason="CRM webhook evt-1").count() == 1
