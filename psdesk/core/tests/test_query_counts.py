"""Every list has a query-count baseline: each HTML page of the URL resolver and each list operation of
the OpenAPI document is either named here as a list (and its baseline is recorded in some app's
`tests/query_counts.json`, measured at two data sizes by that app's `test_query_counts.py`) or named
as not a list, with the reason. A new page or list endpoint fails this test until it is classified."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api
from psdesk.core.testing.query_counts import FlatBaselines, all_baselines

PSDESK = Path(__file__).resolve().parents[2]

# HTML pages that list rows (URL name → baseline name).
LIST_PAGES: dict[str, tuple[str, ...]] = {
    "my_work": ("accounts.my_work",),
    "accounts:pubsec_review": ("accounts.pubsec_review",),
    "board:index": ("board.index",),
    "catalog:index": ("catalog.index",),
    "crm:accounts": ("crm.accounts",),
    "crm:opportunities": ("crm.opportunities",),
    "quotes:index": ("quotes.index",),
    "scoping:ask_ps": ("scoping.ask_ps",),
    "scoping:pubsec_requests": ("scoping.pubsec_requests",),
    "estimates:index": ("estimates.index",),
    "estimates:engagement": ("estimates.engagement",),
    "sows:engagement": ("sows.engagement",),
    "projects:index": ("projects.index",),
    "notifications:inbox": ("notifications.inbox",),
    "notifications:outbox": ("notifications.outbox",),
    "scheduling:queue": ("scheduling.queue",),
    "scheduling:resources": ("scheduling.resources",),
    "scheduling:skill_matrix": ("scheduling.skill_matrix",),
    "scheduling:time_off_mine": ("scheduling.time_off_mine",),
    "scheduling:time_off_requests": ("scheduling.time_off_requests",),
    "training:index": ("training.index",),
    "training:planning": ("training.planning",),
    "training:calendar": ("training.calendar",),
    "chatops:slack_link": ("chatops.slack_link",),
    "insights:search": ("insights.search",),
    "insights:audit": ("insights.audit",),
    "insights:history": ("insights.history",),
    "insights:export": tuple(f"insights.export.{w}" for w in ("board", "queue", "estimates", "projects")),
    "delivery:index": ("delivery.index",),
    "timesheets:index": ("timesheets.index",),
    "timesheets:weeks": ("timesheets.weeks",),
    "timesheets:burn_list": ("timesheets.burn_list",),
    "timesheets:work_at_risk": ("timesheets.work_at_risk",),
}

# Everything else the resolver serves, and why it is not a list that grows.
NOT_LISTS: dict[str, str] = {
    "login": "form",
    "logout": "action",
    "healthz": "probe",
    "readyz": "probe",
    "metrics": "Prometheus exposition (fixed series)",
    "accounts:profile": "one user",
    "accounts:oidc_authenticate": "redirect",
    "accounts:oidc_callback": "redirect",
    "notifications:preferences": "one row per notification kind (fixed)",
    "notifications:outbox_detail": "one message",
    "catalog:detail": "one SKU",
    "crm:account": "one account",
    "crm:opportunity_new": "form",
    "crm:opportunity": "one opportunity",
    "quotes:intake": "form",
    "quotes:detail": "one quote",
    "quotes:preview": "one quote",
    "quotes:pdf": "one document",
    "scoping:calculator": "form",
    "scoping:engagement": "one engagement",
    "scoping:answers": "one engagement",
    "scoping:intake": "form",
    "scoping:ask_ps_detail": "one request",
    "estimates:version_new": "form",
    "estimates:version": "one version",
    "estimates:version_edit": "form",
    "estimates:xlsx": "one document",
    "estimates:pdf": "one document",
    "estimates:compare": "two versions",
    "sows:executed_pdf": "one document",
    "sows:download": "one document",
    "review:show": "one shared version (public)",
    "sign:show": "one document (public)",
    "sign:pdf": "one document (public)",
    "co_sign:show": "one change order (public)",
    "sows:render_status": "one version's render state",
    "branding:rendition_status": "one document's render state",
    "co_sign:pdf": "one document (public)",
    "training_public:registration": "one registration (public)",
    "training_public:ics": "one invitation",
    "training_public:approval": "one approval (public)",
    "delivery_public:acceptance": "one acceptance (public)",
    "board:metrics": "one row per column (fixed)",
    "board:detail": "one engagement",
    "board:close_lost_form": "form",
    "projects:dashboard": "aggregates per status (fixed)",
    "projects:detail": "one project",
    "scheduling:entry": "one queue entry",
    "scheduling:whatif": "form",
    "scheduling:capacity": "aggregates per week (fixed horizon)",
    "scheduling:consultant": "one consultant",
    "training:trainer_new": "form",
    "training:audit_new": "form",
    "training:request": "one request",
    "training:session": "one session",
    "training:roster": "one session's roster",
    "insights:dashboard": "aggregates (fixed charts)",
    "delivery:project": "one project",
    "delivery:change_order_new": "form",
    "delivery:change_order": "one change order",
    "delivery:change_order_file": "one document",
    "timesheets:week": "one week",
    "timesheets:burn": "one project",
    "timesheets:utilisation": "aggregates per consultant and week",
    "engagements:opportunity_link": "action",
    "chatops:slack_inbound": "webhook",
}
# POST-only actions: every URL whose name ends like one of these.
ACTION_SUFFIXES = (
    "_set", "_add", "_send", "_move", "move", "_request", "_approve", "_refuse", "_revoke", "_renew", "_decide",
    "_submit", "_sign", "_withdraw", "_confirm", "_dismiss", "_post", "_answer", "_register", "_deliver",
    "_cancel", "_schedule", "_approval", "_complete", "_close", "_start", "_accept", "_reject", "_upload",
    "_replay", "_unlink", "_return", "_read", "_share", "_review", "_assistance",
)  # fmt: skip
ACTIONS = {
    "notifications:mark_read", "quotes:edit", "sows:generate", "sows:review", "sows:stamp", "sows:release",
    "sows:countersign", "sows:customer_sign", "projects:welcome_send", "scheduling:allocate", "sign:submit",
    "sign:decline", "crm:opportunity_po", "review:feedback", "review:agree", "timesheets:save", "timesheets:submit",
    "timesheets:import",
    "delivery:close", "delivery:complete", "delivery:change_order_countersign", "co_sign:submit", "co_sign:decline",
    "board:move", "board:own_opportunity",
}  # fmt: skip

# API list operations (operationId → baseline names) where the convention (`api.` + the path's fixed
# segments joined by dots) does not apply, or where a list is not the top-level array.
API_LISTS: dict[str, tuple[str, ...]] = {
    "psdesk_estimates_api_list_versions": ("api.estimates.versions",),
    "psdesk_insights_api_search": ("api.search",),
    "psdesk_insights_api_history": ("api.history",),
    "psdesk_insights_api_audit_events": ("api.audit.events",),
    "psdesk_insights_api_export": tuple(f"api.exports.{w}" for w in ("board", "queue", "estimates", "projects")),
}
# Operations returning an array that does not grow with the data.
API_NOT_LISTS: dict[str, str] = {
    "psdesk_notifications_api_list_preferences": "one row per notification kind (fixed)",
    "psdesk_notifications_api_get_outbox_status": "one row per outbox status (fixed)",
    "psdesk_board_api_board_metrics": "one row per column (fixed)",
    "psdesk_scheduling_api_lead_times": "one row per service type (configuration)",
    "psdesk_sows_api_signatures": "one per party (two at most)",
}


def _pages(res: Any = None, ns: str | None = None) -> Iterator[str]:
    for p in (res or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith(("admin/", "api/")):
                continue
            yield from _pages(p, p.namespace or ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{ns}:{p.name}" if ns else p.name


def _is_action(name: str) -> bool:
    return name in ACTIONS or name.split(":")[-1].endswith(ACTION_SUFFIXES)


def _api_list_operations() -> dict[str, tuple[str, ...]]:
    doc = api.get_openapi_schema()
    components = doc["components"]["schemas"]
    out: dict[str, tuple[str, ...]] = {}
    for route, operations in doc["paths"].items():
        op = operations.get("get")
        if op is None:
            continue
        content = (op["responses"].get(200) or {}).get("content") or {}
        schema = content.get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        is_list = schema.get("type") == "array" or schema.get("properties", {}).get("items", {}).get("type") == "array"
        oid = op["operationId"]
        if oid in API_LISTS:
            out[oid] = API_LISTS[oid]
        elif is_list and oid not in API_NOT_LISTS:
            fixed = [s for s in route.removeprefix("/api/v1/").split("/") if not s.startswith("{")]
            out[oid] = ("api." + ".".join(fixed),)
    return out


def test_every_page_is_classified_as_a_list_or_not() -> None:
    names = set(_pages())
    unclassified = sorted(n for n in names if n not in LIST_PAGES and n not in NOT_LISTS and not _is_action(n))
    assert unclassified == [], f"classify these pages in {__file__} (LIST_PAGES with a baseline, or NOT_LISTS)"
    stale = sorted((set(LIST_PAGES) | set(NOT_LISTS)) - names)
    assert stale == [], f"these URL names no longer exist: {stale}"


@pytest.mark.parametrize("kind", ["pages", "api"])
def test_every_list_has_a_baseline(kind: str) -> None:
    wanted = LIST_PAGES if kind == "pages" else _api_list_operations()
    recorded = all_baselines(PSDESK)
    missing = sorted(f"{where} → {name}" for where, names in wanted.items() for name in names if name not in recorded)
    assert missing == [], "lists without a query-count baseline (add them to the app's test_query_counts.py):\n" + (
        "\n".join(missing)
    )


class _Page:
    status_code = 200
    content = b"rows"


def _get_running(queries: dict[str, int]) -> Any:
    """A stand-in for a client's get: runs as many queries as `queries[path]` says."""

    def get(path: str, **params: Any) -> _Page:
        for _ in range(queries[path]):
            User.objects.count()
        return _Page()

    return get


@pytest.mark.django_db
def test_a_count_that_grows_with_the_rows_fails_even_when_refreshing(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("UPDATE_QUERY_COUNTS", "1")
    counts, queries = FlatBaselines(str(tmp_path / "test_x.py")), {"/rows/": 2}
    for n in (3, 15):
        queries["/rows/"] = n  # one query per row
        counts.at(n)
        counts.measure("x.rows", _get_running(queries), "/rows/", "rows")
    with pytest.raises(AssertionError, match=r"grows with the number of rows \(an N\+1\): x.rows: 3 at 3 → 15 at 15"):
        counts.check()
    assert not (tmp_path / "query_counts.json").exists()


@pytest.mark.django_db
def test_a_flat_count_is_recorded_then_held_to_its_baseline(tmp_path: Path, monkeypatch: Any) -> None:
    def run(queries: int) -> None:
        counts = FlatBaselines(str(tmp_path / "test_x.py"))
        for n in (3, 15):
            counts.at(n)
            counts.measure("x.rows", _get_running({"/rows/": queries}), "/rows/")
        counts.check()

    monkeypatch.setenv("UPDATE_QUERY_COUNTS", "1")
    run(4)
    assert (tmp_path / "query_counts.json").read_text() == '{\n  "x.rows": 4\n}\n'
    monkeypatch.delenv("UPDATE_QUERY_COUNTS")
    run(4)
    with pytest.raises(AssertionError, match=r"x.rows: 5 \(baseline 4\)"):
        run(5)
