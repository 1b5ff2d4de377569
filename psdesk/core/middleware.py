from __future__ import annotations

import contextvars
import json
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from psdesk.core.inputs import first_unrepresentable, text_refusal

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current_request_id() -> str:
    return request_id_var.get()


class RequestIdMiddleware:
    """Tags each request with an id (from X-Request-ID or new) that audit rows record."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = request_id_var.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a login, except paths that authenticate otherwise (API tokens, signed links)."""

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        if any(request.path.startswith(p) for p in settings.PSDESK_PUBLIC_PATH_PREFIXES):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ApiNoStoreMiddleware:
    """Every answer under /api/ carries `Cache-Control: no-store`: API JSON holds customer and
    PubSec data that no browser or proxy cache may keep."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        return response


API_PREFIX = "/api/"


def _json_error(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "details": details or {}}, status=status)


def _pairs_refusal(where: str, pairs: Any) -> tuple[str, str, str] | None:
    """The first (key, values) of a query or form whose key or a value cannot be stored."""
    for key, values in pairs:
        if reason := text_refusal(key):
            return (where, "(field name)", f"a field name {reason}")
        for value in values:
            if isinstance(value, str) and (reason := text_refusal(value)):
                return (where, key, reason)
    return None


def _json_refusal(request: HttpRequest) -> tuple[str, str, str] | None:
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return ("body", "body", "Body is not valid JSON.")
    if found := first_unrepresentable(body):
        return ("body", *found)
    if request.path.startswith(API_PREFIX) and not isinstance(body, dict):
        # Every API body is an object; ninja would read a list's attributes as absent fields.
        return ("body", "body", "Body must be a JSON object.")
    return None


def _form_refusal(request: HttpRequest) -> tuple[str, str, str] | None:
    try:
        form = request.POST
    except MultiPartParserError as exc:
        return ("form", "form", f"cannot be read ({exc})")
    if found := _pairs_refusal("form", form.lists()):
        return found
    for key, files in request.FILES.lists():
        for f in files:
            if reason := text_refusal(getattr(f, "name", "") or ""):
                return ("form", key, f"the file name {reason}")
    return None


def _input_refusal(request: HttpRequest) -> tuple[str, str, str] | None:
    """(where, field, reason) for the first piece of the request that cannot be stored, or None.
    Looks at the path, the query string, a JSON body, and form fields and file names."""
    if reason := text_refusal(request.path):
        return ("path", "path", reason)
    if found := _pairs_refusal("query", request.GET.lists()):
        return found
    if request.method not in {"POST", "PUT", "PATCH", "DELETE"}:
        return None
    if request.content_type == "application/json" and request.body:
        return _json_refusal(request)
    if request.content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        return _form_refusal(request)
    return None


class UnrepresentableInputMiddleware:
    """Refuses, before any view runs, a request carrying text PS Desk cannot store (a NUL byte, an
    unpaired surrogate) in its path, query, JSON body or form, a JSON body that does not parse, or an
    API body that is not a JSON object: 400 JSON `{code, message, details}` on /api/, a 400 page naming
    the field elsewhere. Nothing is read from or written to the database."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = _input_refusal(request)
        if refusal is None:
            return self.get_response(request)
        where, field, reason = refusal
        if request.path.startswith(API_PREFIX):
            if field in {"body", "form"}:  # the body as a whole: the webhooks' wording and code
                return _json_error(400, "malformed", reason, {"field": field, "location": where})
            return _json_error(400, "unrepresentable_text", f"{field}: {reason}.", {"field": field, "location": where})
        return render(
            request,
            "core/input_error.html",
            {"field": field, "reason": reason, "back": request.path if where != "path" else "/"},
            status=400,
        )


class ApiErrorsAsJsonMiddleware:
    """Every error under /api/ is JSON `{code, message, details}`: a 404 for an unknown URL, a 405, a
    CSRF refusal or a 500 that Django would render as HTML is rewritten (headers such as Allow kept)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        message = {
            404: "No such API endpoint.",
            405: f"Method {request.method} is not allowed here.",
            500: "The server could not complete the request; it has been logged.",
        }.get(status, phrase + ".")
        details: dict[str, Any] = {}
        if status == 405 and response.has_header("Allow"):
            details["allow"] = response["Allow"]
        out = _json_error(status, f"http_{status}", message, details)
        for header in ("Allow", "X-Request-ID", "Retry-After", "WWW-Authenticate"):
            if response.has_header(header):
                out[header] = response[header]
        return out
