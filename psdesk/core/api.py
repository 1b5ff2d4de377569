"""Shared API pieces: the error schema, pagination bounds, and the 4xx responses to declare."""

from __future__ import annotations

from typing import Any

from ninja import Schema


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
