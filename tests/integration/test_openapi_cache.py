"""/api/v1/openapi.json is built once per process and served without a login (docs/security.md)."""

from __future__ import annotations

import json
from typing import Any

import ninja.main
import pytest
from django.test import Client

from config.api import api

pytestmark = pytest.mark.django_db


def test_the_document_is_built_once_and_served_publicly(monkeypatch: Any) -> None:
    api.__dict__.pop("_schema_cache", None)
    api.__dict__.pop("_document_cache", None)
    built: list[str] = []
    real = ninja.main.get_schema  # type: ignore[attr-defined]

    def counting(**kw: Any) -> Any:
        built.append(kw["path_prefix"])
        return real(**kw)

    monkeypatch.setattr(ninja.main, "get_schema", counting)
    first = Client().get("/api/v1/openapi.json")
    second = Client().get("/api/v1/openapi.json")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first["Content-Type"] == "application/json"
    assert first.content == second.content
    assert built == ["/api/v1/"]
    doc = json.loads(first.content)
    assert doc["info"]["title"] == "PS Desk API"
    params = {p["name"]: p for p in doc["paths"]["/api/v1/engagements"]["get"]["parameters"]}
    assert {"limit", "offset", "cursor"} <= set(params)
    page = doc["components"]["schemas"]["EngagementPage"]["properties"]
    assert "next" in page and "cursor" in page["next"]["description"]
