"""Domain error types. The API maps each to an HTTP status and a JSON body {code, message, details}."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class: a refusal with a human reason. Nothing was written when one is raised."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class ValidationFailed(DomainError):
    """Input is well-formed but breaks a rule (negative hours, unknown SKU ...)."""

    status = 422
    code = "validation_error"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """Also used for objects the user may not see (PubSec): 404, never 403, so existence does not leak."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """A stale edit or a concurrent change: retry with fresh data."""

    status = 409
    code = "conflict"


class TransitionNotAllowed(Conflict):
    """A workflow move refused by its guard or its source state."""

    code = "transition_not_allowed"
