"""A small requests wrapper for the REST adapters (Kantata, Zuora) mapping failures to IntegrationError:
`BearerSession` (base URL + bearer token + TLS verification + timeout) and the one-call `call()`."""

from __future__ import annotations

from typing import Any

import requests

from psdesk.integrations.errors import IntegrationError, error_from_status


def call(
    session: requests.Session, method: str, url: str, *, vendor: str, timeout: float = 10, **kw: Any
) -> dict[str, Any]:
    """One HTTP call; returns the JSON body (or {}) and raises IntegrationError on any failure."""
    try:
        resp = session.request(method, url, timeout=timeout, **kw)
    except requests.RequestException as exc:
        raise IntegrationError(f"{vendor} unreachable: {exc.__class__.__name__}: {exc}", permanent=False) from exc
    if resp.status_code >= 400:
        raise error_from_status(resp.status_code, resp.text, resp.headers.get("Retry-After"), vendor=vendor)
    if not resp.content:
        return {}
    try:
        body = resp.json()
    except ValueError as exc:
        raise IntegrationError(f"{vendor} sent a non-JSON answer: {resp.text[:200]}", permanent=True) from exc
    return body if isinstance(body, dict) else {"items": body}


class BearerSession:
    """One vendor's REST session: requests under `base_url` with `Authorization: Bearer <token>`,
    the adapter's TLS `verify` and `timeout`, each sent with an `Idempotency-Key` header. Failures
    raise IntegrationError (see `call`)."""

    def __init__(self, *, vendor: str, base_url: str, token: str, timeout: float = 10, verify: bool | str = True):
        self.vendor = vendor
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, *, idempotency_key: str, **kw: Any) -> dict[str, Any]:
        """`method` `base_url + path`; returns the JSON body (or {}); raises IntegrationError."""
        return call(
            self.session,
            method,
            f"{self.base}{path}",
            vendor=self.vendor,
            timeout=self.timeout,
            headers={"Idempotency-Key": idempotency_key},
            **kw,
        )
