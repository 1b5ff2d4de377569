"""REST endpoints of the insights app: each dashboard chart's data, the queue and capacity charts'
data, global search, list exports (CSV/XLSX), object history and the PS Ops audit search."""

from __future__ import annotations

from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from psdesk.core.api import errors
from psdesk.core.permissions import permission_require
from psdesk.core.types import AuthedRequest
from psdesk.insights import exports, selectors
from psdesk.insights.selectors.history import HistoryEntry, audit_filters_parse
from psdesk.insights.views import export_response
from psdesk.scheduling.selectors import capacity_demand, latest_run_get, lead_time_history

router = Router(tags=["insights"])

ChartId = Literal[
    "pipeline-by-column",
    "pipeline-by-month",
    "bookings-by-month",
    "margin-distribution",
    "approval-cycle",
    "column-time",
    "sla-risk",
    "welcome-on-time",
    "start-lead",
]


class InsightsSeriesOut(Schema):
    label: str
    data: list[float | None]


class InsightsChartOut(Schema):
    id: str
    title: str
    kind: str = Field(description="Chart.js chart type: bar or line")
    unit: str
    labels: list[str]
    series: list[InsightsSeriesOut]
    target: float | None = Field(None, description="the reference line (margin target %, start promise in days)")
    rows: list[dict[str, object]] = Field(description="the table beside the chart")
    listed: list[dict[str, object]] = Field(description="items to act on: estimates below target, projects waiting")


@router.get("/insights/charts/{chart}", response={200: InsightsChartOut, **errors(401, 403, 404)})
def insights_chart(request: AuthedRequest, chart: ChartId) -> object:
    """One dashboard chart's numbers, as the dashboard draws them (PubSec rows only for members)."""
    permission_require(request.user, "insights.view_dashboard")
    return selectors.figure_get(user=request.user, chart=chart)


class InsightsLeadTimesOut(Schema):
    labels: list[str] = Field(description="Mondays of the last 26 weeks")
    series: list[InsightsSeriesOut] = Field(description="P50 and P80 weeks per service type; null: no run that week")
    runs: int


class InsightsLeadTimesQuery(Schema):
    weeks: int = Field(26, ge=4, le=104)


@router.get("/insights/lead-times", response={200: InsightsLeadTimesOut, **errors(401, 403, 422)})
def insights_lead_times(request: AuthedRequest, params: Query[InsightsLeadTimesQuery]) -> object:
    """Lead time (weeks from Closed Won to forecast start) per service type over stored forecast runs."""
    permission_require(request.user, "scheduling.view_leadtime")
    return lead_time_history(weeks=params.weeks)


class InsightsRoleDemandOut(Schema):
    role: str
    label: str
    series: list[InsightsSeriesOut] = Field(description="Capacity (h), Committed (h), Tentative (h) per week")


class InsightsCapacityOut(Schema):
    labels: list[str]
    roles: list[InsightsRoleDemandOut]


@router.get("/insights/capacity-demand", response={200: InsightsCapacityOut, **errors(401, 403, 404)})
def insights_capacity_demand(request: AuthedRequest) -> object:
    """Capacity against committed and tentative demand per role and week, from the latest forecast run
    (404 before the first run)."""
    permission_require(request.user, "scheduling.view_forecastrun")
    return capacity_demand(user=request.user, run=latest_run_get())


# --- search -----------------------------------------------------------------------------------------------


class InsightsSearchHitOut(Schema):
    id: int
    title: str
    subtitle: str
    url: str


class InsightsSearchGroupOut(Schema):
    key: str
    label: str
    count: int
    hits: list[InsightsSearchHitOut]


class InsightsSearchOut(Schema):
    q: str
    groups: list[InsightsSearchGroupOut]


class InsightsSearchQuery(Schema):
    q: str = Field(..., max_length=100, description="words of a name, a number (42 or #42) or a customer")


@router.get("/search", response={200: InsightsSearchOut, **errors(401, 403, 422)})
def search(request: AuthedRequest, params: Query[InsightsSearchQuery]) -> object:
    """Engagements, accounts, opportunities, SOWs, projects, consultants and training sessions by name,
    number or customer, grouped by type; only the groups your role may open and rows you may see."""
    permission_require(request.user, "insights.search")
    return {"q": params.q, "groups": selectors.search(user=request.user, q=params.q)}


# --- exports ------------------------------------------------------------------------------------------------


class InsightsExportFilters(Schema):
    format: Literal["csv", "xlsx"] = "csv"
    # the board's filters (its page's query parameters)
    em: int | None = None
    segment: str = Field("", max_length=32)
    mine: bool = False
    q: str = Field("", max_length=100)
    label: str = Field("", max_length=100)
    service_type: str = Field("", max_length=64)
    at_risk: bool = False
    pubsec: bool = False
    # the projects list's filter
    status: str = Field("", max_length=32)


@router.get(
    "/exports/{what}",
    response={200: None, **errors(401, 403, 404, 422)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The list as a file",
                "content": {"text/csv": {}, exports.CONTENT_TYPES["xlsx"]: {}},
            }
        }
    },
)
def export(
    request: AuthedRequest, what: Literal["board", "queue", "estimates", "projects"], f: Query[InsightsExportFilters]
) -> HttpResponse:
    """The board (with its filters), the delivery queue, the estimates (margin for roles that see cost)
    or the projects list as CSV (streamed) or XLSX; PubSec rows only for members."""
    if what == "board":
        data = exports.board_export(
            user=request.user,
            filters=exports.board_filters_from(
                {
                    "em": str(f.em or ""),
                    "segment": f.segment,
                    "mine": "1" if f.mine else "",
                    "q": f.q,
                    "label": f.label,
                    "service_type": f.service_type,
                    "at_risk": "1" if f.at_risk else "",
                    "pubsec": "1" if f.pubsec else "",
                }
            ),
        )
    elif what == "projects":
        data = exports.projects_export(user=request.user, status=f.status)
    else:
        data = exports.EXPORTS[what](user=request.user)
    return export_response(data, f.format)


# --- history and the audit search ----------------------------------------------------------------------------


class InsightsChangeOut(Schema):
    field: str
    before: str
    after: str


class InsightsEventOut(Schema):
    seq: int
    verb: str
    object: str
    sentence: str
    actor: str
    reason: str
    at: str
    changes: list[InsightsChangeOut]


def _event(e: HistoryEntry) -> dict[str, object]:
    s = e.sentence
    return {
        "seq": e.seq,
        "verb": e.verb,
        "object": e.object,
        "sentence": s.text,
        "actor": s.actor,
        "reason": s.reason,
        "at": s.at.isoformat(),
        "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in s.changes],
    }


class InsightsHistoryOut(Schema):
    kind: str
    id: int
    events: list[InsightsEventOut]


@router.get("/history/{kind}/{object_id}", response={200: InsightsHistoryOut, **errors(401, 403, 404)})
def history(
    request: AuthedRequest, kind: Literal["engagement", "opportunity", "project", "estimate", "sow"], object_id: int
) -> object:
    """An object's audit trail, newest first, as sentences with the field-by-field before/after
    (404 for an object you may not see)."""
    permission_require(request.user, selectors.HISTORY_KINDS[kind][1])
    events = selectors.history_for(user=request.user, kind=kind, object_id=object_id)
    return {"kind": kind, "id": object_id, "events": [_event(e) for e in events]}


class InsightsAuditQuery(Schema):
    actor: str = Field("", max_length=150)
    verb: str = Field("", max_length=100)
    object: str = Field("", max_length=100)
    date_from: str = Field("", pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="YYYY-MM-DD, inclusive")
    date_to: str = Field("", pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="YYYY-MM-DD, inclusive")
    limit: int = Field(100, ge=1, le=500)


class InsightsAuditOut(Schema):
    count: int
    events: list[InsightsEventOut]


@router.get("/audit/events", response={200: InsightsAuditOut, **errors(401, 403, 422)})
def audit_events(request: AuthedRequest, f: Query[InsightsAuditQuery]) -> object:
    """The audit log searched by actor, event (verb or its prefix), object name and date range (PS Ops)."""
    permission_require(request.user, "insights.view_audit_log")
    filters = audit_filters_parse(
        {"actor": f.actor, "verb": f.verb, "object": f.object, "date_from": f.date_from, "date_to": f.date_to}
    )
    total, entries = selectors.audit_search(user=request.user, filters=filters, limit=f.limit)
    return {"count": total, "events": [_event(e) for e in entries]}


class InsightsVerifyProblemOut(Schema):
    seq: int
    problem: str


class InsightsVerifyOut(Schema):
    ok: bool
    rows: int
    anchored_seq: int
    first_bad: int | None
    problems: list[InsightsVerifyProblemOut]


@router.get("/audit/verify", response={200: InsightsVerifyOut, **errors(401, 403)})
def audit_verify(request: AuthedRequest) -> object:
    """What `psdesk audit verify` reports: the keyed hash chain recomputed and checked against the anchor."""
    permission_require(request.user, "insights.view_audit_log")
    report = selectors.audit_verify_status()
    return {
        "ok": not report.problems,
        "rows": report.rows,
        "anchored_seq": report.anchored_seq,
        "first_bad": report.first_bad,
        "problems": [{"seq": p.seq, "problem": p.problem} for p in report.problems[:100]],
    }
