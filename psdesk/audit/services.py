"""Writing and verifying the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from psdesk.audit.chain import GENESIS, row_hash
from psdesk.audit.models import AuditChainHead, AuditEvent
from psdesk.core import clock
from psdesk.core.middleware import current_request_id
from psdesk.core.types import Actor


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

    Locks the chain head so concurrent writers append one after the other.
    """
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
        )
        ev.hash = row_hash(ev.prev_hash, _content(ev))
        ev.save()
        head.last_seq = ev.seq
        head.last_hash = ev.hash
        head.save(update_fields=["last_seq", "last_hash"])
        return ev


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


@dataclass
class ChainProblem:
    seq: int
    problem: str


def audit_verify(*, batch: int = 2000) -> Iterator[ChainProblem]:
    """Recompute the chain; yield every problem found (none means intact)."""
    prev_hash = GENESIS
    expected_seq = 1
    last_seq = 0
    qs = AuditEvent.objects.order_by("seq")
    for ev in qs.iterator(chunk_size=batch):
        if ev.seq != expected_seq:
            yield ChainProblem(expected_seq, f"rows {expected_seq}..{ev.seq - 1} are missing (deleted)")
        if ev.prev_hash != prev_hash:
            yield ChainProblem(ev.seq, "link to the previous row is broken (a row before it was changed or deleted)")
        if row_hash(ev.prev_hash, _content(ev)) != ev.hash:
            yield ChainProblem(ev.seq, "content does not match its hash (row was modified)")
        prev_hash = ev.hash
        expected_seq = ev.seq + 1
        last_seq = ev.seq
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        yield ChainProblem(
            last_seq + 1, f"the chain ends at {last_seq} but {head.last_seq} rows were written (tail deleted)"
        )
