"""Shared API pieces: the error schema, pagination bounds, and the 4xx responses to declare."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from ninja import Schema

from psdesk.core.errors import BadRequest


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


# Declared on every endpoint so the OpenAPI document is honest about failures.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def errors(*codes: int) -> dict[int, type[Schema]]:
    return {c: ErrorOut for c in codes} if codes else dict(ERRORS)


MAX_LIMIT = 200


def cursor_encode(at: datetime, pk: int) -> str:
    """An opaque keyset position (a timestamp and an id) for a list's `next` link."""
    raw = json.dumps([at.isoformat(), int(pk)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    """The position `cursor_encode` wrote; BadRequest (400, field `cursor`) for anything else."""
    try:
        at, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = datetime.fromisoformat(at)
        if when.tzinfo is None or not isinstance(pk, int) or isinstance(pk, bool):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("The cursor is not one this list gave out.", details={"field": "cursor"}) from None
    return when, pk
