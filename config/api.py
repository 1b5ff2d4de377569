"""The REST API under /api/v1/. Each app with an `api.py` exposing `router` is mounted here."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from django.conf import settings
from django.db import DataError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.urls import path as url_path
from ninja import NinjaAPI, Router, Schema
from ninja.constants import NOT_SET
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema

from psdesk.accounts.auth import API_AUTH
from psdesk.core.api import ErrorOut
from psdesk.core.errors import DomainError
from psdesk.insights.docs import VendoredSwagger

log = logging.getLogger(__name__)


class PsDeskAPI(NinjaAPI):
    """The API, with its OpenAPI document built once per process (per path prefix) instead of on
    every request to /api/v1/openapi.json. Routers are mounted at import time, so the document
    cannot change while the process runs. The document is public by decision (docs/security.md)."""

    _schema_cache: dict[str, OpenAPISchema]

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_schema_cache", {})
        if path_prefix not in cache:
            cache[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema: OpenAPISchema = cache[path_prefix]
        return schema

    def openapi_document(self, **path_params: Any) -> bytes:
        """The OpenAPI document as JSON bytes, serialised once per process (per path prefix)."""
        prefix = self.get_root_path(path_params)
        cache = self.__dict__.setdefault("_document_cache", {})
        if prefix not in cache:
            body = self.renderer.render(None, self.get_openapi_schema(path_prefix=prefix), response_status=200)  # type: ignore[arg-type]
            cache[prefix] = body.encode() if isinstance(body, str) else bytes(body)
        return bytes(cache[prefix])

    def _get_urls(self) -> list[URLResolver | URLPattern]:
        urls = super()._get_urls()
        return [
            url_path(str(u.pattern), _openapi_json, name="openapi-json")
            if isinstance(u, URLPattern) and u.name == "openapi-json"
            else u
            for u in urls
        ]


def _openapi_json(request: HttpRequest, **path_params: Any) -> HttpResponse:
    """GET /api/v1/openapi.json: the cached document (public; see docs/security.md)."""
    return HttpResponse(api.openapi_document(**path_params), content_type="application/json")


api = PsDeskAPI(
    title="PS Desk API",
    version="1.0.0",
    urls_namespace="api",
    auth=API_AUTH,
    docs=VendoredSwagger(),  # served from vendored static files: works offline and under the CSP
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
    parts = [str(p) for p in first.get("loc", [])]
    field = ".".join(p for p in parts if p not in ("body", "payload", "path", "query", "form", "params", "file"))
    loc = ".".join(p for p in parts if p not in ("body", "payload"))
    message = f"{loc}: {first.get('msg', 'invalid input')}" if loc else str(first.get("msg", "invalid input"))
    return api.create_response(
        request,
        {"code": "invalid_input", "message": message, "details": {"field": field, "errors": _clean(exc.errors)}},
        status=422,
    )


def _clean(errors: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: _plain(v) for k, v in e.items() if k != "ctx"} for e in errors]


def _plain(value: object) -> object:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value if isinstance(value, str | int | float | bool) else str(value)


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


@api.exception_handler(OperationalError)
def _concurrent_change(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    """A deadlock or serialisation failure between two concurrent writes: the database rolled this
    one back, so nothing changed; the client retries. Any other operational error is a real fault."""
    if "deadlock detected" not in str(exc) and "could not serialize" not in str(exc):
        raise exc
    log.warning("concurrent change on %s: %s", request.path, exc)
    return api.create_response(
        request,
        {"code": "concurrent_change", "message": "Another change was made at the same moment; retry.", "details": {}},
        status=409,
    )


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def _unstorable_value(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A value the database cannot hold (a number out of its range) that no schema bound caught:
    the transaction rolled back, so nothing changed; a 422 instead of a server error."""
    log.warning("unstorable value on %s: %s", request.path, exc)
    return api.create_response(
        request,
        {"code": "value_out_of_range", "message": "A value is out of the range that can be stored.", "details": {}},
        status=422,
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


def _error_response(model: type[Schema]) -> type[Schema]:
    # The shape ninja gives a declared response (a model with a `response` field).
    return type("NinjaResponseSchema", (Schema,), {"__annotations__": {"response": model}})


def _declare_common_errors(routers: list[tuple[str, Router]], inherited_auth: Any) -> None:
    """Declare on every operation the errors the API layer itself can answer, so the OpenAPI document
    lists each operation's real status codes: 400 (unrepresentable text, a body that is not JSON),
    401/403 (token missing, role lacks permission) when authenticated, 404 when the path names an
    object, 422 when there is input to validate, 409 on writes (a concurrent change)."""
    for prefix, router in routers:
        router_auth = router.auth if router.auth is not NOT_SET else inherited_auth
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                auth = op.auth_param if op.auth_param is not NOT_SET else router_auth
                add = {400}
                if auth:
                    add |= {401, 403}
                if "{" in f"{prefix}{path}":
                    add.add(404)
                if op.models:
                    add.add(422)
                if set(op.methods) & {"POST", "PUT", "PATCH", "DELETE"}:
                    add.add(409)
                for status in sorted(add - set(op.response_models)):
                    op.response_models[status] = _error_response(ErrorOut)
        _declare_common_errors([(f"{prefix}{p}", r) for p, r, _tags in router._routers], router_auth)


_declare_common_errors(api._routers, api.auth)
