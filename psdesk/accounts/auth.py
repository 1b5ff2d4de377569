"""API authentication: personal bearer tokens, an X-API-Token header, or the browser session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from psdesk.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer psd_...` — a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


class TokenHeader(APIKeyHeader):
    """`X-API-Token: psd_...` for clients that cannot set Authorization."""

    param_name = "X-API-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        user = token_authenticate(raw=key)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), TokenHeader(), SessionAuth()]
