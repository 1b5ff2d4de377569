"""The audit chain: keyed hashes, the anchor outside the database, `audit verify` catching a DBA's
edits (a cut tail with the head rolled back, a row edited with every later hash recomputed), rows
written before keyed hashing, and PostgreSQL refusing UPDATE/DELETE itself."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from psdesk.audit.chain import GENESIS, KEYED, PLAIN, canonical
from psdesk.audit.models import AuditChainHead, AuditEvent, AuditImmutable
from psdesk.audit.services import _content, audit_record, audit_verify, audit_verify_report
from psdesk.core import clock

pytestmark = pytest.mark.django_db
ON_POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[..., list[AuditEvent]]:
    """Write rows as if each request committed (so the anchor is written, as in production)."""

    def write(n: int, people: Any) -> list[AuditEvent]:
        rows = []
        for i in range(n):
            with django_capture_on_commit_callbacks(execute=True):
                rows.append(audit_record(verb="test.event", actor=people.erin, after={"n": i}))
        return rows

    return write


@pytest.fixture
def dba() -> Iterator[Callable[[str, list[Any]], None]]:
    """Raw SQL as a database administrator would run it (on PostgreSQL past the trigger, as the
    table owner may; the test's transaction restores it)."""
    with connection.cursor() as cur:
        if ON_POSTGRES:
            cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER psdesk_audit_append_only")

    def run(statement: str, params: list[Any]) -> None:
        with connection.cursor() as cur:
            cur.execute(statement, params)

    yield run


def _key() -> bytes:
    return str(settings.PSDESK_AUDIT_KEY).encode()


def _verify_output() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
    return out.getvalue(), err.getvalue()


def test_rows_are_keyed_chained_anchored_and_verify_clean(people: Any, committed: Any) -> None:
    with clock.frozen(datetime(2026, 11, 27, 16, 0, tzinfo=UTC)):
        a, b, c = committed(3, people)
    assert (a.seq, b.seq, c.seq) == (1, 2, 3)
    assert b.prev_hash == a.hash and c.prev_hash == b.hash
    assert a.occurred_at == datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert {a.scheme, b.scheme, c.scheme} == {KEYED}
    expected = hmac.new(_key(), (GENESIS + canonical(_content(a))).encode(), hashlib.sha256).hexdigest()
    assert a.hash == expected
    assert a.hash != hashlib.sha256((GENESIS + canonical(_content(a))).encode()).hexdigest()
    lines = [json.loads(x) for x in Path(settings.PSDESK_AUDIT_ANCHOR_PATH).read_text().splitlines()]
    chain = AuditChainHead.objects.get().chain_id
    assert [(x["chain"], x["seq"], x["hash"]) for x in lines] == [(chain, r.seq, r.hash) for r in (a, b, c)]
    assert list(audit_verify()) == []
    out, err = _verify_output()
    assert err == ""
    assert "audit chain OK: 3 rows verified; anchored up to row 3" in out


def test_a_rolled_back_row_is_never_anchored(people: Any, committed: Any) -> None:
    committed(1, people)
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(verb="test.event", actor=people.erin)
        raise RuntimeError("the change failed")
    assert len(Path(settings.PSDESK_AUDIT_ANCHOR_PATH).read_text().splitlines()) == 1
    assert list(audit_verify()) == []


def test_the_orm_offers_no_update_or_delete_path(people: Any) -> None:
    a = audit_record(verb="test.event", actor=people.erin)
    a.verb = "changed"
    with pytest.raises(AuditImmutable):
        a.save()
    with pytest.raises(AuditImmutable):
        a.delete()
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.filter(pk=a.pk).update(verb="x")
    with pytest.raises(AuditImmutable):
        AuditEvent.objects.all().delete()


def test_verify_detects_a_modified_row(people: Any, committed: Any, dba: Any) -> None:
    _, b, _ = committed(3, people)
    dba("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', b.pk])
    problems = [(p.seq, p.problem) for p in audit_verify()]
    assert problems[0] == (
        2,
        "content does not match its keyed hash (row was modified, or PSDESK_AUDIT_KEY is not the key that wrote it)",
    )
    _out, err = _verify_output()
    assert "BROKEN" in err and "first bad row: 2" in err


def test_verify_detects_a_deleted_row_and_a_deleted_tail(people: Any, committed: Any, dba: Any) -> None:
    _a, b, c = committed(3, people)
    dba("DELETE FROM audit_auditevent WHERE id = %s", [b.pk])
    assert {p.seq for p in audit_verify()} == {2, 3}
    dba("DELETE FROM audit_auditevent WHERE id = %s", [c.pk])
    problems = list(audit_verify())
    assert any("tail deleted" in p.problem for p in problems)
    assert AuditChainHead.objects.get().last_seq == 3


def test_verify_catches_the_last_row_cut_with_the_head_rolled_back(people: Any, committed: Any, dba: Any) -> None:
    _a, b, c = committed(3, people)
    dba("DELETE FROM audit_auditevent WHERE id = %s", [c.pk])
    dba("UPDATE audit_auditchainhead SET last_seq = %s, last_hash = %s WHERE id = 1", [2, b.hash])
    report = audit_verify_report()
    assert [(p.seq, p.problem) for p in report.problems] == [
        (3, "rows 3..3 are anchored (line 3) but missing from the database (rows cut and the head rolled back)")
    ]
    _out, err = _verify_output()
    assert "first bad row: 3" in err


def _rewrite_from(seq: int, dba: Any, *, scheme: int, key: bytes = b"") -> None:
    """What a DBA does to hide an edit: recompute every hash from row `seq` on, and the head."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS
    for ev in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        message = (prev + canonical(_content(ev))).encode()
        new = hmac.new(key, message, hashlib.sha256).hexdigest() if key else hashlib.sha256(message).hexdigest()
        dba(
            "UPDATE audit_auditevent SET prev_hash = %s, hash = %s, scheme = %s WHERE id = %s",
            [prev, new, scheme, ev.pk],
        )
        prev = new
    dba("UPDATE audit_auditchainhead SET last_hash = %s WHERE id = 1", [prev])


def test_verify_catches_an_edited_row_with_the_later_hashes_recomputed_without_the_key(
    people: Any, committed: Any, dba: Any
) -> None:
    _, b, _ = committed(3, people)
    dba("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', b.pk])
    _rewrite_from(2, dba, scheme=PLAIN)
    report = audit_verify_report()
    assert report.first_bad == 2
    assert (2, "a plain-hash row after keyed rows (row was rewritten without the key)") in [
        (p.seq, p.problem) for p in report.problems
    ]
    assert (2, "hash differs from the one anchored on line 2 (row or an earlier one rewritten)") in [
        (p.seq, p.problem) for p in report.problems
    ]


def test_verify_catches_an_edited_row_recomputed_even_with_the_key_through_the_anchor(
    people: Any, committed: Any, dba: Any
) -> None:
    _, b, _ = committed(3, people)
    dba("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', b.pk])
    _rewrite_from(2, dba, scheme=KEYED, key=_key())
    report = audit_verify_report()
    assert [(p.seq, p.problem) for p in report.problems] == [
        (2, "hash differs from the one anchored on line 2 (row or an earlier one rewritten)"),
        (3, "hash differs from the one anchored on line 3 (row or an earlier one rewritten)"),
    ]
    _out, err = _verify_output()
    assert "first bad row: 2" in err


def test_a_chain_whose_head_was_replaced_has_no_anchor(people: Any, committed: Any, dba: Any) -> None:
    committed(2, people)
    dba("UPDATE audit_auditchainhead SET chain_id = %s WHERE id = 1", ["f" * 32])
    assert next(p.problem for p in audit_verify()).startswith("no head of this chain (ffff")


def test_a_different_key_fails_every_keyed_row(people: Any, committed: Any, settings: Any) -> None:
    committed(2, people)
    settings.PSDESK_AUDIT_KEY = "another key"
    assert [p.seq for p in audit_verify()] == [1, 2]


def test_rows_written_before_keyed_hashing_still_verify_and_stay_protected(
    people: Any, committed: Any, dba: Any
) -> None:
    # Two rows as the plain scheme wrote them before migration 0002, then keyed rows after them.
    prev = GENESIS
    for seq in (1, 2):
        ev = AuditEvent(
            seq=seq, occurred_at=clock.now(), actor_label="system", verb="old.event", prev_hash=prev, scheme=PLAIN
        )
        ev.hash = hashlib.sha256((prev + canonical(_content(ev))).encode()).hexdigest()
        ev.save()
        prev = ev.hash
    AuditChainHead.objects.update_or_create(id=1, defaults={"last_seq": 2, "last_hash": prev})
    committed(2, people)
    assert list(AuditEvent.objects.values_list("scheme", flat=True)) == [PLAIN, PLAIN, KEYED, KEYED]
    assert list(audit_verify()) == []
    # Rewriting a plain row and its plain successor breaks the first keyed row's link.
    dba("UPDATE audit_auditevent SET verb = %s WHERE seq = 1", ["forged.event"])
    first_keyed = AuditEvent.objects.get(seq=3)
    prev = GENESIS
    for ev in AuditEvent.objects.filter(seq__lte=2).order_by("seq"):
        new = hashlib.sha256((prev + canonical(_content(ev))).encode()).hexdigest()
        dba("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, new, ev.pk])
        prev = new
    assert prev != first_keyed.prev_hash
    assert [p.seq for p in audit_verify()] == [3]


@pytest.mark.skipif(not ON_POSTGRES, reason="the append-only trigger exists on PostgreSQL only (SQLite has none)")
def test_postgresql_itself_refuses_update_and_delete_of_audit_rows(people: Any) -> None:
    a = audit_record(verb="test.event", actor=people.erin)
    for statement in (
        "UPDATE audit_auditevent SET verb = 'x' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="audit rows are append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(statement, [a.pk])
    assert AuditEvent.objects.get(pk=a.pk).verb == "test.event"
