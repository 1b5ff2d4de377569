"""Writing and verifying the audit log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from psdesk.audit.anchor import anchor_append, anchor_lines, anchor_path
from psdesk.audit.chain import GENESIS, KEYED, PLAIN, hashes_equal, row_hash
from psdesk.audit.models import AuditChainHead, AuditEvent
from psdesk.core import clock
from psdesk.core.middleware import current_request_id
from psdesk.core.types import Actor

log = logging.getLogger(__name__)


def audit_key() -> bytes:
    """The HMAC key of the chain: `PSDESK_AUDIT_KEY` from the environment (in development a key
    derived from SECRET_KEY; see config/settings.py). Never stored in the database."""
    return str(settings.PSDESK_AUDIT_KEY).encode()


def _content(ev: AuditEvent) -> dict[str, Any]:
    occurred: datetime = ev.occurred_at
    return {
        "seq": ev.seq,
        "occurred_at": occurred.astimezone(UTC).isoformat(),
        "actor_id": ev.actor_id,
        "actor_label": ev.actor_label,
        "verb": ev.verb,
        "target_type_id": ev.target_type_id,
        "target_id": ev.target_id,
        "target_repr": ev.target_repr,
        "before": ev.before,
        "after": ev.after,
        "reason": ev.reason,
        "request_id": ev.request_id,
    }


def _anchor_after_commit(chain: str, seq: int, hash_: str) -> None:
    try:
        anchor_append(chain=chain, seq=seq, row_hash=hash_)
    except OSError:
        # The row is committed and chained; only its anchor is missing, which `audit verify`
        # reports as "not anchored". Say so loudly: an unanchored tail can be cut unnoticed.
        log.exception("audit anchor: could not append row %s to %s", seq, anchor_path())


def audit_record(
    *,
    verb: str,
    actor: Actor | str | None = None,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one audit row to the chain. Must run inside the transaction of the change it records.

    Locks the chain head so concurrent writers append one after the other; the row's hash is an
    HMAC with the audit key. After the outermost transaction commits, the new head is appended to
    the anchor file (a rolled-back row is never anchored)."""
    # A person is stored as a foreign key; a label (a customer on a review link) only as text.
    person = actor if actor is not None and not isinstance(actor, str) and actor.pk else None
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update(of=("self",)).get_or_create(id=1)
        ev = AuditEvent(
            seq=head.last_seq + 1,
            occurred_at=clock.now(),
            actor=person,
            actor_label=person.get_username() if person is not None else (str(actor) if actor else "system"),
            verb=verb,
            target_type=ContentType.objects.get_for_model(type(target)) if target is not None else None,
            target_id=str(target.pk) if target is not None else "",
            target_repr=str(target)[:255] if target is not None else "",
            before=_jsonable(before or {}),
            after=_jsonable(after or {}),
            reason=reason,
            request_id=current_request_id(),
            prev_hash=head.last_hash,
            scheme=KEYED,
        )
        ev.hash = row_hash(ev.prev_hash, _content(ev), scheme=KEYED, key=audit_key())
        ev.save()
        head.last_seq = ev.seq
        head.last_hash = ev.hash
        head.save(update_fields=["last_seq", "last_hash"])
        transaction.on_commit(partial(_anchor_after_commit, head.chain_id, ev.seq, ev.hash))
        return ev


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


@dataclass
class ChainProblem:
    seq: int
    problem: str


@dataclass
class VerifyReport:
    """What `audit verify` found: rows checked, problems (in row order), the highest anchored row,
    and the rows after it that the anchor does not cover yet (not a problem by itself)."""

    rows: int = 0
    problems: list[ChainProblem] = field(default_factory=list)
    anchored_seq: int = 0
    unanchored: tuple[int, int] | None = None

    @property
    def first_bad(self) -> int | None:
        return min((p.seq for p in self.problems), default=None)


def _chain_problems(key: bytes, batch: int) -> Iterator[ChainProblem | tuple[int, str]]:
    """Recompute the chain in the database; yields problems and finally (last_seq, last_hash)."""
    prev_hash = GENESIS
    expected_seq = 1
    last_seq = 0
    keyed_seen = False
    for ev in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch):
        if ev.seq != expected_seq:
            yield ChainProblem(expected_seq, f"rows {expected_seq}..{ev.seq - 1} are missing (deleted)")
        if ev.prev_hash != prev_hash:
            yield ChainProblem(ev.seq, "link to the previous row is broken (a row before it was changed or deleted)")
        if ev.scheme not in (PLAIN, KEYED):
            yield ChainProblem(ev.seq, f"unknown hash scheme {ev.scheme} (row was modified)")
        elif ev.scheme == PLAIN and keyed_seen:
            yield ChainProblem(ev.seq, "a plain-hash row after keyed rows (row was rewritten without the key)")
        elif not hashes_equal(row_hash(ev.prev_hash, _content(ev), scheme=ev.scheme, key=key), ev.hash):
            yield ChainProblem(
                ev.seq,
                "content does not match its hash (row was modified)"
                if ev.scheme == PLAIN
                else "content does not match its keyed hash (row was modified, or PSDESK_AUDIT_KEY is not "
                "the key that wrote it)",
            )
        keyed_seen = keyed_seen or ev.scheme == KEYED
        prev_hash = ev.hash
        expected_seq = ev.seq + 1
        last_seq = ev.seq
    yield (last_seq, prev_hash)


def audit_verify_report(*, batch: int = 2000) -> VerifyReport:
    """Recompute the chain with the audit key and compare it with the chain head and with the
    anchor file. Catches a modified or deleted row, a deleted tail, the last rows cut with the head
    rolled back (the anchor names rows that are gone), and a row edited with every later hash
    recomputed (the anchor holds the old hashes; without the key the keyed hashes fail anyway)."""
    report = VerifyReport()
    last_seq, last_hash = 0, GENESIS
    for item in _chain_problems(audit_key(), batch):
        if isinstance(item, ChainProblem):
            report.problems.append(item)
        else:
            last_seq, last_hash = item
    report.rows = AuditEvent.objects.count()
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != last_seq or head.last_hash != last_hash):
        report.problems.append(
            ChainProblem(
                last_seq + 1, f"the chain ends at {last_seq} but {head.last_seq} rows were written (tail deleted)"
            )
        )
    if head is not None and last_seq:
        _anchor_check(report, chain=head.chain_id, last_seq=last_seq)
    report.problems.sort(key=lambda p: p.seq)
    return report


def _anchor_check(report: VerifyReport, *, chain: str, last_seq: int) -> None:
    anchored: dict[int, tuple[str, int]] = {}
    for line in anchor_lines(chain=chain):
        anchored[line.seq] = (line.hash, line.line_no)
    if not anchored:
        report.problems.append(
            ChainProblem(1, f"no head of this chain ({chain}) is anchored in {anchor_path()} (chain replaced?)")
        )
        return
    report.anchored_seq = max(anchored)
    if report.anchored_seq > last_seq:
        _hash, line_no = anchored[report.anchored_seq]
        report.problems.append(
            ChainProblem(
                last_seq + 1,
                f"rows {last_seq + 1}..{report.anchored_seq} are anchored (line {line_no}) but missing from the "
                "database (rows cut and the head rolled back)",
            )
        )
    hashes = dict(AuditEvent.objects.filter(seq__in=list(anchored)).values_list("seq", "hash"))
    for seq in sorted(anchored):
        anchored_hash, line_no = anchored[seq]
        if seq in hashes and not hashes_equal(hashes[seq], anchored_hash):
            report.problems.append(
                ChainProblem(
                    seq, f"hash differs from the one anchored on line {line_no} (row or an earlier one rewritten)"
                )
            )
    if report.anchored_seq < last_seq:
        report.unanchored = (report.anchored_seq + 1, last_seq)


def audit_verify(*, batch: int = 2000) -> Iterator[ChainProblem]:
    """Every problem `audit_verify_report` finds, in row order (none means intact)."""
    yield from audit_verify_report(batch=batch).problems
