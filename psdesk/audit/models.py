"""The append-only, hash-chained audit log.

Every row stores `hash = HMAC-SHA256(PSDESK_AUDIT_KEY, prev_hash + canonical JSON of its content)`
(scheme 2; rows written before keyed hashing keep their plain SHA-256, scheme 1 — see `chain.py`).
The chain head row (`AuditChainHead`, one row) holds the last sequence number and hash, and is
locked while a row is appended, so the chain stays linear across processes; after each commit the
head is also appended to the anchor file outside the database (`anchor.py`). `psdesk audit verify`
recomputes the chain and compares it with the anchor: it reports a modified row, a deleted row, a
deleted tail, and rows cut or rewritten together with the head. On PostgreSQL a trigger refuses
UPDATE and DELETE of audit rows (migration 0003).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditImmutable(Exception):
    pass


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutable("audit events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("audit events are append-only")

    def for_target(self, obj: models.Model) -> AuditEventQuerySet:
        ct = ContentType.objects.get_for_model(type(obj))
        return self.filter(target_type=ct, target_id=str(obj.pk))


class AuditEvent(models.Model):
    """One recorded action: who did what to which object, with before/after values."""

    seq = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    verb = models.CharField(max_length=100, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    scheme = models.PositiveSmallIntegerField(default=2, help_text="1 plain SHA-256 (older rows), 2 keyed HMAC")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditImmutable("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AuditImmutable("audit events are append-only")


def _chain_id() -> str:
    return secrets.token_hex(16)


class AuditChainHead(models.Model):
    """Single row: the last sequence number and hash of the chain, and the chain's id, which names
    this chain's lines in the anchor file (a new database starts a new chain)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    chain_id = models.CharField(max_length=32, default=_chain_id)
