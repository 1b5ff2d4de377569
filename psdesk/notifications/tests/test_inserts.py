"""`inserts.rows_insert`: multi-row INSERTs that store what the ORM would store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from psdesk.core.inserts import rows_insert
from psdesk.notifications.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 20, 21, 0, 0, 123456, tzinfo=UTC)


def test_rows_come_back_as_the_orm_would_have_written_them_with_the_model_defaults(people: Any) -> None:
    payload = {"to": ["erin@psdesk.example"], "subject": "Ünïcode ✓", "html": '<p>"quoted"</p>', "n": [1, None]}
    ids = rows_insert(
        OutboxMessage,
        ("target", "destination", "event", "payload", "idempotency_key", "next_attempt_at", "created_at"),
        [("email", f"u{i}@psdesk.example", "sla.breached", payload, f"email:t{i}", AT, AT) for i in range(2500)],
        returning=True,
    )
    assert len(ids) == 2500 and len(set(ids)) == 2500  # three statements, every id returned
    row = OutboxMessage.objects.get(idempotency_key="email:t7")
    assert row.pk in ids and row.payload == payload and row.created_at == AT and row.next_attempt_at == AT
    assert (row.status, row.operation, row.attempts, row.throttled, row.claim_token) == ("queued", "send", 0, 0, "")
    assert (row.committed_at, row.sent_at, row.lease_until, row.source_type, row.pubsec) == (
        None,
        None,
        None,
        None,
        False,
    )
    assert rows_insert(Notification, ("recipient_id", "title", "created_at"), [(people.erin.pk, "Hi", AT)]) == []
    n = Notification.objects.get(recipient=people.erin, title="Hi")
    assert (n.body, n.url, n.read_at, n.created_at) == ("", "", None, AT)


def test_a_duplicate_key_raises_and_the_transaction_writes_nothing() -> None:
    columns = ("target", "payload", "idempotency_key", "created_at")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert(OutboxMessage, columns, [("chat", {}, "chat:same", AT), ("chat", {}, "chat:same", AT)])
    assert not OutboxMessage.objects.filter(idempotency_key="chat:same").exists()
