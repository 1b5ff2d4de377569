from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from psdesk.audit.models import AuditChainHead, AuditEvent, AuditImmutable
from psdesk.audit.services import audit_record, audit_verify
from psdesk.core import clock

pytestmark = pytest.mark.django_db


def _three(people: Any) -> list[AuditEvent]:
    return [audit_record(verb="test.event", actor=people.erin, after={"n": i}) for i in range(3)]


def test_rows_are_chained_and_verify_clean(people: Any) -> None:
    with clock.frozen(datetime(2026, 11, 27, 16, 0, tzinfo=UTC)):
        a, b, c = _three(people)
    assert (a.seq, b.seq, c.seq) == (1, 2, 3)
    assert b.prev_hash == a.hash and c.prev_hash == b.hash
    assert a.occurred_at == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert list(audit_verify()) == []
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "audit chain OK: 3 rows verified" in out.getvalue()


def test_the_orm_offers_no_update_or_delete_path(people: Any) -> None:
    a, *_ = _three(people)
    a.verb = "changed"
    with pytest.raises(AuditImmutable):
        a.save()
    with pytest.raises(AuditImmutable):
        a.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=a.pk).update(verb="x")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.all().delete()


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cur:
        cur.execute(statement, params)


def test_verify_detects_a_modified_row(people: Any) -> None:
    _, b, _ = _three(people)
    _sql("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', b.pk])
    problems = list(audit_verify())
    assert [(p.seq, p.problem) for p in problems] == [(2, "content does not match its hash (row was modified)")]
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("audit", "verify", stdout=StringIO(), stderr=StringIO())


def test_verify_detects_a_deleted_row_and_a_deleted_tail(people: Any) -> None:
    _a, b, c = _three(people)
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [b.pk])
    assert {p.seq for p in audit_verify()} == {2, 3}
    _sql("DELETE FROM audit_auditevent WHERE id = %s", [c.pk])
    problems = list(audit_verify())
    assert any("tail deleted" in p.problem for p in problems)
    assert AuditChainHead.objects.get().last_seq == 3
