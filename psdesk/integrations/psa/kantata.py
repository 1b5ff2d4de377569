"""Kantata (Mavenlink) REST API v1: workspaces are projects.

Create: POST /api/v1/workspaces.json; status: PUT /api/v1/workspaces/<id>.json {status_key}.
The idempotency key is sent as `Idempotency-Key` and stored as the workspace's external reference;
a create first looks the reference up so a redelivery finds the existing workspace.
"""

from __future__ import annotations

from typing import Any

from psdesk.integrations.errors import IntegrationError
from psdesk.integrations.http import BearerSession
from psdesk.integrations.ports import Receipt


class KantataPsa:
    def __init__(
        self,
        *,
        base_url: str = "https://api.mavenlink.com",
        token: str = "",
        timeout: float = 10,
        verify: bool | str = True,
    ) -> None:
        self.http = BearerSession(vendor="Kantata", base_url=base_url, token=token, timeout=timeout, verify=verify)

    def _call(self, method: str, path: str, key: str, **kw: Any) -> dict[str, Any]:
        return self.http.request(method, path, idempotency_key=key, **kw)

    def project_create(self, *, ref: str, name: str, account: str, idempotency_key: str) -> Receipt:
        found = self._call(
            "GET", "/api/v1/workspaces.json", idempotency_key, params={"matching_external_reference": idempotency_key}
        )
        if found.get("results"):
            return Receipt(external_id=str(found["results"][0]["id"]), duplicate=True)
        body = self._call(
            "POST",
            "/api/v1/workspaces.json",
            idempotency_key,
            json={
                "workspace": {
                    "title": name,
                    "description": f"{account} ({ref})",
                    "creator_role": "maven",
                    "external_reference": {
                        "service_name": "psdesk",
                        "service_model": "engagement",
                        "service_model_ref": idempotency_key,
                    },
                }
            },
        )
        results = body.get("results") or [{}]
        return Receipt(external_id=str(results[0].get("id", "")))

    def project_status_set(self, *, project_id: str, status: str, idempotency_key: str) -> Receipt:
        """`project_id` is the workspace id, or our reference (the external reference the create
        stored), looked up first. Not found yet → retryable (the create may still be queued)."""
        workspace = project_id
        if not project_id.isdigit():
            found = self._call(
                "GET", "/api/v1/workspaces.json", idempotency_key, params={"matching_external_reference": project_id}
            )
            results = found.get("results") or []
            if not results:
                raise IntegrationError(f"Kantata has no workspace for {project_id} yet", permanent=False)
            workspace = str(results[0]["id"])
        self._call(
            "PUT", f"/api/v1/workspaces/{workspace}.json", idempotency_key, json={"workspace": {"status_key": status}}
        )
        return Receipt(external_id=workspace)
