"""Inbound webhooks: signature check, replay protection, idempotent dispatch to the reacting app.

Signature: header `X-PSDesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`
with the per-source secret `settings.PSDESK_WEBHOOK_SECRETS[source]`. A timestamp older (or newer)
than `PSDESK_WEBHOOK_TOLERANCE_SECONDS` (default 300) is refused, and an event id already recorded
returns the first result without calling the handler again.

Handlers: the app that reacts registers one per (source, kind) from its AppConfig.ready():

    inbound_handler_register("crm", "opportunity.stage_changed", handle_stage_change)

The handler gets the parsed payload, runs inside the transaction that records the event, and returns
a JSON-able result. Without a handler the event is recorded as `unhandled` (nothing else changes).

The crm app registers `opportunity.stage_changed` (psdesk.crm.services.opportunity_stage_from_crm).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from psdesk.core import clock
from psdesk.core.errors import BadRequest, DomainError
from psdesk.integrations.models import InboundEvent, InboundStatus

Handler = Callable[[dict[str, Any]], dict[str, Any]]
_HANDLERS: dict[tuple[str, str], Handler] = {}

# Required fields per (source, kind); anything else is a 400 with the reason.
SCHEMAS: dict[tuple[str, str], dict[str, type]] = {
    ("crm", "opportunity.stage_changed"): {"opportunity_id": str, "stage": str},
    ("sign", "envelope.completed"): {"envelope_id": str, "document_ref": str},
}


class SignatureInvalid(DomainError):
    status = 401
    code = "bad_signature"


def inbound_handler_register(source: str, kind: str, handler: Handler) -> None:
    _HANDLERS[(source, kind)] = handler


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    """The header value a sender computes (used by tests and `manage.py` examples)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def signature_verify(*, source: str, body: bytes, header: str) -> None:
    """Raises SignatureInvalid (401) unless `header` is a fresh, valid signature of `body`."""
    secret = getattr(settings, "PSDESK_WEBHOOK_SECRETS", {}).get(source, "")
    if not secret:
        raise SignatureInvalid(f"No webhook secret is configured for {source!r}.")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts.get("t", ""))
    except ValueError:
        raise SignatureInvalid("Missing or malformed signature timestamp.") from None
    tolerance = int(getattr(settings, "PSDESK_WEBHOOK_TOLERANCE_SECONDS", 300))
    if abs(clock.now().timestamp() - ts) > tolerance:
        raise SignatureInvalid("Signature timestamp outside the accepted window (replay?).")
    expected = sign(secret=secret, body=body, timestamp=ts).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise SignatureInvalid("Signature does not match.")


def _parse(source: str, body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"Body is not valid JSON: {exc}", code="malformed") from None
    if not isinstance(data, dict):
        raise BadRequest("Body must be a JSON object.", code="malformed")
    for field in ("id", "type"):
        if not isinstance(data.get(field), str) or not data[field] or len(data[field]) > 128:
            raise BadRequest(
                f"Field '{field}' is required (a string of 1-128 characters).",
                code="malformed",
                details={"field": field},
            )
    schema = SCHEMAS.get((source, data["type"]))
    if schema is None:
        raise BadRequest(
            f"Unknown event type {data['type']!r} for {source}.", code="malformed", details={"field": "type"}
        )
    for field, typ in schema.items():
        if not isinstance(data.get(field), typ) or not data[field]:
            raise BadRequest(
                f"Field '{field}' is required ({typ.__name__}).", code="malformed", details={"field": field}
            )
    return data


def inbound_receive(*, source: str, body: bytes, signature: str) -> tuple[InboundEvent, bool]:
    """Verify, parse and apply one webhook. Returns (event, created); created=False for a replay.
    Raises SignatureInvalid (401; nothing recorded), BadRequest (400 malformed; nothing recorded)
    or whatever DomainError the handler raises (nothing recorded, so the sender may retry).

    Concurrent deliveries of one event apply it once: the event row is inserted *before* the
    handler runs, in the handler's transaction, so a second delivery's insert waits on the unique
    (source, event_id) index until the first commits, then answers as a replay (`duplicate`); if
    the first rolls back, the second applies the event itself."""
    signature_verify(source=source, body=body, header=signature)
    data = _parse(source, body)
    existing = InboundEvent.objects.filter(source=source, event_id=data["id"]).first()
    if existing is not None:
        return existing, False
    handler = _HANDLERS.get((source, data["type"]))
    try:
        with transaction.atomic():
            ev = InboundEvent.objects.create(
                source=source,
                event_id=data["id"],
                kind=data["type"],
                payload=data,
                status=InboundStatus.PROCESSED if handler is not None else InboundStatus.UNHANDLED,
            )
            if handler is not None:
                ev.result = handler(data) or {}
                ev.save(update_fields=["result"])
    except IntegrityError:
        # A concurrent delivery of the same event holds (or committed) the claim; its effect stands alone.
        return InboundEvent.objects.get(source=source, event_id=data["id"]), False
    return ev, True
