"""Salesforce through simple-salesforce (REST): PATCH the PS fields of an Opportunity, read its StageName.

Options: instance_url, session_id (an OAuth access token), version, verify (CA bundle path or bool).
A PATCH of the same fields is naturally idempotent, so a redelivery changes nothing.
"""

from __future__ import annotations

from typing import Any

import requests
from simple_salesforce import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError

from psdesk.integrations.errors import IntegrationError, error_from_status
from psdesk.integrations.ports import Receipt


class SalesforceCrm:
    def __init__(
        self,
        *,
        instance_url: str = "",
        session_id: str = "",
        version: str = "59.0",
        verify: bool | str = True,
        timeout: float = 10,
    ) -> None:
        session = requests.Session()
        session.verify = verify
        self.sf = Salesforce(instance_url=instance_url, session_id=session_id, version=version, session=session)
        self.sf.session.request = _with_defaults(session.request, timeout, verify)  # type: ignore[method-assign]

    def update_ps_fields(self, *, opportunity_id: str, fields: dict[str, Any], idempotency_key: str) -> Receipt:
        self._call(lambda: self._opportunity().update(opportunity_id, fields))
        return Receipt(external_id=opportunity_id)

    def stage_get(self, *, opportunity_id: str) -> str:
        record = self._call(lambda: self._opportunity().get(opportunity_id))
        return str(record.get("StageName", ""))

    def _opportunity(self) -> SFType:
        return SFType(
            "Opportunity", self.sf.session_id, self.sf.sf_instance, self.sf.sf_version, session=self.sf.session
        )

    def _call(self, fn: Any) -> Any:
        try:
            return fn()
        except SalesforceError as exc:
            headers = getattr(getattr(exc, "response", None), "headers", None) or {}
            raise error_from_status(
                exc.status, str(exc.content), headers.get("Retry-After"), vendor="Salesforce"
            ) from exc
        except requests.RequestException as exc:
            raise IntegrationError(f"Salesforce unreachable: {exc}", permanent=False) from exc


def _with_defaults(request: Any, timeout: float, verify: bool | str) -> Any:
    """simple-salesforce passes neither a timeout nor `verify` per call (and an environment CA bundle
    would override the session's), so set both on every request."""

    def call(method: str, url: str, **kw: Any) -> Any:
        kw.setdefault("timeout", timeout)
        kw.setdefault("verify", verify)
        return request(method, url, **kw)

    return call
