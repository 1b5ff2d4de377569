"""Bad input never becomes a 500: text that cannot be stored (NUL, unpaired surrogates) is refused with
400 before any view runs, times with offsets and out-of-range offsets are 422 naming the field, and
every error under /api/ is JSON. On PostgreSQL each of these cases was a 500 HTML page."""

from __future__ import annotations

import importlib
import inspect
import json
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.test import Client, RequestFactory
from ninja import Schema

from psdesk.audit.models import AuditEvent
from psdesk.core.middleware import ApiErrorsAsJsonMiddleware
from psdesk.scoping.models import AskPsRequest, ScopingRequest
from psdesk.sla.models import Calendar

pytestmark = pytest.mark.django_db


def _error(response: Any) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "details"}
    return body


@pytest.mark.parametrize(
    "path", ["/api/v1/engagements", "/api/v1/crm/accounts", "/api/v1/crm/opportunities", "/api/v1/catalog/skus"]
)
def test_a_nul_byte_in_an_api_search_is_a_400_naming_the_field(api: Any, path: str) -> None:
    r = api("erin").get(path, q="a\x00b")
    assert r.status_code == 400
    body = _error(r)
    assert body["code"] == "unrepresentable_text"
    assert body["details"] == {"field": "q", "location": "query"}
    assert "NUL" in body["message"]


@pytest.mark.parametrize("path", ["/", "/crm/accounts/", "/crm/opportunities/", "/catalog/"])
def test_a_nul_byte_in_a_page_search_is_a_form_error_on_a_page(people: Any, path: str) -> None:
    c = Client()
    c.force_login(people.erin)
    r = c.get(path, {"q": "a\x00b"})
    assert r.status_code == 400
    assert r["Content-Type"].startswith("text/html")
    assert b'class="form-error"' in r.content and b"<strong>q</strong>" in r.content


def test_ask_ps_text_with_a_nul_byte_is_refused_and_nothing_is_recorded(api: Any) -> None:
    before = AuditEvent.objects.count()
    r = api("sam").post("/api/v1/scoping/ask-ps", {"kind": "general", "subject": "Help", "body": "a\x00b"})
    assert r.status_code == 400
    assert _error(r)["details"] == {"field": "body", "location": "body"}
    assert AskPsRequest.objects.count() == 0 and AuditEvent.objects.count() == before


def test_ask_ps_and_calculator_forms_with_a_nul_byte_are_refused_on_the_page(people: Any) -> None:
    c = Client()
    c.force_login(people.sam)
    r = c.post("/scoping/ask/", {"kind": "general", "subject": "Help", "body": "a\x00b"})
    assert r.status_code == 400 and b"<strong>body</strong>" in r.content
    r = c.post("/scoping/calculator/", {"step": "1", "customer_mode": "new", "new_name": "Acme\x00"})
    assert r.status_code == 400 and b"<strong>new_name</strong>" in r.content
    assert AskPsRequest.objects.count() == 0 and ScopingRequest.objects.count() == 0


def test_an_unpaired_surrogate_in_a_json_body_is_a_400(api: Any) -> None:
    client = api("oscar")
    r = client.client.post(
        "/api/v1/sla/calendars",
        b'{"key": "x", "name": "Bad \\ud800 name", "country": "US"}',
        content_type="application/json",
        **client._headers(),
    )
    assert r.status_code == 400
    assert _error(r)["details"] == {"field": "name", "location": "body"}
    assert not Calendar.objects.filter(key="x").exists()


def test_a_nul_byte_in_a_path_is_a_400(api: Any) -> None:
    r = api("erin").get("/api/v1/catalog/skus/GL%00X")
    assert r.status_code == 400 and _error(r)["details"]["location"] == "path"


def test_a_calendar_working_time_with_an_offset_is_a_422_naming_the_field(api: Any) -> None:
    r = api("oscar").post(
        "/api/v1/sla/calendars", {"key": "ny", "name": "NY", "country": "US", "work_start": "09:00:00Z"}
    )
    assert r.status_code == 422
    body = _error(r)
    assert body["details"]["field"] == "work_start"
    assert "without a UTC offset" in body["message"]
    assert not Calendar.objects.filter(key="ny").exists()


def test_a_calendar_documents_and_returns_local_times(api: Any) -> None:
    r = api("oscar").post("/api/v1/sla/calendars", {"key": "ny", "name": "NY", "country": "US", "work_start": "08:30"})
    assert r.status_code == 201
    assert (r.json()["work_start"], r.json()["work_end"]) == ("08:30:00", "17:00:00")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2027-01-01T00:00:00-23:13", "between -14:00 and +14:00"),
        ("2027-01-01T00:00:00", "give a UTC offset"),
        ("0.5", "ISO 8601"),
    ],
)
def test_a_session_time_filter_out_of_range_or_without_offset_is_a_422(api: Any, value: str, reason: str) -> None:
    r = api("eddie").get("/api/v1/training/sessions", start=value)
    assert r.status_code == 422
    body = _error(r)
    assert body["details"]["field"] == "start" and reason in body["message"]


def test_a_session_time_filter_with_an_offset_is_accepted(api: Any) -> None:
    r = api("eddie").get("/api/v1/training/sessions", start="2027-01-01T00:00:00+14:00")
    assert r.status_code == 200


def test_a_date_given_as_a_number_is_a_422(api: Any) -> None:
    r = api("rita").get("/api/v1/catalog/rates", on="0")
    assert r.status_code == 422 and _error(r)["details"]["field"] == "on"


def test_an_unknown_api_url_and_a_wrong_method_answer_json(api: Any) -> None:
    r = api("erin").get("/api/v1/no-such-thing")
    assert r.status_code == 404 and _error(r)["code"] == "http_404"
    r = api("erin").delete("/api/v1/engagements")
    assert r.status_code == 405
    assert _error(r)["details"] == {"allow": r["Allow"]} and "GET" in r["Allow"]


def test_a_server_error_under_api_is_json_and_elsewhere_untouched() -> None:
    def boom(request: HttpRequest) -> HttpResponse:
        return HttpResponseServerError("<h1>Server Error (500)</h1>", content_type="text/html")

    mw = ApiErrorsAsJsonMiddleware(boom)
    r = mw(RequestFactory().get("/api/v1/engagements"))
    assert r.status_code == 500 and _error(r)["code"] == "http_500"
    assert mw(RequestFactory().get("/board/"))["Content-Type"].startswith("text/html")


def test_malformed_json_is_a_400_json(api: Any) -> None:
    client = api("oscar")
    r = client.client.post("/api/v1/sla/calendars", b"{not json", content_type="application/json", **client._headers())
    assert r.status_code == 400 and _error(r)["code"]


def _api_schema_classes() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for app in settings.PSDESK_APPS:
        try:
            module = importlib.import_module(f"psdesk.{app}.api")
        except ModuleNotFoundError:
            continue
        found.extend(
            (obj.__name__, app)
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == module.__name__
        )
    return found


def test_schema_class_names_are_unique_across_apps() -> None:
    names = [name for name, _ in _api_schema_classes()]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_the_quote_line_body_is_documented_as_the_quote_line() -> None:
    from config.api import api as ninja_api

    doc = ninja_api.get_openapi_schema()
    body = doc["paths"]["/api/v1/quotes/{quote_id}/lines"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/QuoteLineIn"}
    assert "sku_code" in doc["components"]["schemas"]["QuoteLineIn"]["properties"]
    assert "activity" in doc["components"]["schemas"]["EstimateLineIn"]["properties"]


def test_every_operation_documents_the_errors_the_api_layer_answers() -> None:
    from config.api import api as ninja_api

    doc = ninja_api.get_openapi_schema()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            assert 400 in codes, (method, path)
            if "{" in path:
                assert {404, 422} <= codes, (method, path)
            if op.get("security"):
                assert {401, 403} <= codes, (method, path)


def test_a_multipart_body_without_a_boundary_is_a_400_json(api: Any, people: Any) -> None:
    client = api("erin")
    r = client.client.post("/api/v1/sows/1/markups", b"--x--", content_type="multipart/form-data", **client._headers())
    assert r.status_code == 400 and _error(r)["details"] == {"field": "form", "location": "form"}


def test_a_catalog_csv_with_a_carriage_return_in_a_field_is_not_a_server_error(api: Any) -> None:
    r = api("oscar").post("/api/v1/catalog/import", {"csv": "sku\rname<"})
    assert r.status_code == 422 and _error(r)["details"]["missing"]


def test_a_number_beyond_a_database_integer_is_a_400_naming_the_field(api: Any) -> None:
    r = api("eddie").post("/api/v1/training/requests/trainer", {"courses": [10**20]})
    assert r.status_code == 400
    assert _error(r)["details"] == {"field": "courses.0", "location": "body"}
