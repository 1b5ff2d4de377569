"""The REST API under /api/v1/. Each app with an `api.py` exposing `router` is mounted here."""

from __future__ import annotations

import importlib
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from psdesk.accounts.auth import API_AUTH
from psdesk.core.errors import DomainError

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="PS Desk API",
    version="1.0.0",
    urls_namespace="api",
    auth=API_AUTH,
    description=(
        "Professional Services Desk. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `psdesk token create <user>` or on your profile page). "
        "Errors are JSON `{code, message, details}`: 400 bad input, 401 not authenticated, "
        "403 role lacks permission, 404 absent or not visible to you, 409 refused move or stale edit, "
        "422 input breaks a rule."
    ),
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(
        request, {"code": exc.code, "message": exc.message, "details": exc.details}, status=exc.status
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = ".".join(str(p) for p in first.get("loc", []) if p not in ("body", "payload"))
    message = f"{loc}: {first.get('msg', 'invalid input')}" if loc else str(first.get("msg", "invalid input"))
    return api.create_response(
        request,
        {"code": "invalid_input", "message": message, "details": {"errors": _clean(exc.errors)}},
        status=422,
    )


def _clean(errors: list[dict[str, object]]) -> list[dict[str, object]]:
    return [
        {k: (v if isinstance(v, (str, int, float, bool, list)) else str(v)) for k, v in e.items() if k != "ctx"}
        for e in errors
    ]


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"code": "unauthenticated", "message": "Authentication required.", "details": {}}, status=401
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"code": f"http_{exc.status_code}", "message": str(exc), "details": {}}, status=exc.status_code
    )


for _app in settings.PSDESK_APPS:
    try:
        _module = importlib.import_module(f"psdesk.{_app}.api")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"psdesk.{_app}.api":
            raise
        continue
    _router = getattr(_module, "router", None)
    if _router is not None:
        api.add_router("", _router)
