"""Insights pages: the dashboard, global search, exports, object history and the PS Ops audit
search. Thin: parse, call a selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from psdesk.core.errors import DomainError, NotFound
from psdesk.core.types import AuthedRequest
from psdesk.insights import exports, selectors
from psdesk.insights.charts import chart_config
from psdesk.insights.selectors.history import audit_filters_parse, audit_verbs, history_object


@permission_required("insights.view_dashboard", raise_exception=True)
def dashboard(request: AuthedRequest) -> HttpResponse:
    figures = selectors.dashboard_figures(user=request.user)
    charts = [{"figure": f, "dom_id": f"chart-{f.id}", "config": chart_config(f)} for f in figures]
    return render(request, "insights/dashboard.html", {"charts": charts})


@permission_required("insights.search", raise_exception=True)
def search(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    groups = selectors.search(user=request.user, q=q)
    return render(request, "insights/search.html", {"q": q, "groups": groups})


@login_required
def export(request: AuthedRequest, what: str, fmt: str) -> HttpResponse:
    """A list as CSV (streamed) or XLSX, with the list page's own filters from the query string."""
    if what not in exports.EXPORTS or fmt not in exports.FORMATS:
        return render(request, "core/error.html", {"message": "No such export."}, status=404)
    try:
        data = export_build(request, what)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        return render(request, "core/error.html", {"message": exc.message}, status=exc.status)
    return export_response(data, fmt)


def export_build(request: AuthedRequest, what: str) -> exports.Export:
    if what == "board":
        return exports.board_export(user=request.user, filters=exports.board_filters_from(request.GET))
    if what == "projects":
        return exports.projects_export(user=request.user, status=request.GET.get("status", "")[:32])
    maker = exports.EXPORTS[what]
    return maker(user=request.user)


def export_response(data: exports.Export, fmt: str) -> HttpResponse:
    disposition = f'attachment; filename="{data.filename(fmt)}"'
    if fmt == "csv":
        resp: HttpResponse = StreamingHttpResponse(exports.csv_lines(data), content_type=exports.CONTENT_TYPES["csv"])  # type: ignore[assignment]
    else:
        resp = HttpResponse(exports.xlsx_bytes(data), content_type=exports.CONTENT_TYPES["xlsx"])
    resp["Content-Disposition"] = disposition
    return resp


@login_required
def history(request: AuthedRequest, kind: str, object_id: int) -> HttpResponse:
    """An object's audit trail as sentences, newest first, each with its before/after table."""
    label, perm = selectors.HISTORY_KINDS.get(kind, ("", ""))
    if not perm:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    if not request.user.has_perm(perm):
        raise PermissionDenied("Your role may not open this history.")
    try:
        title, url, _targets = history_object(user=request.user, kind=kind, object_id=object_id)
        entries = selectors.history_for(user=request.user, kind=kind, object_id=object_id)
    except NotFound:
        return render(request, "core/error.html", {"message": "Not found."}, status=404)
    ctx = {"kind_label": label, "title": title, "object_url": url, "entries": entries}
    return render(request, "insights/history.html", ctx)


@permission_required("insights.view_audit_log", raise_exception=True)
def audit(request: AuthedRequest) -> HttpResponse:
    """The PS Ops audit search (actor, verb, object, date range) and the chain's verification."""
    error, status = "", 200
    try:
        filters = audit_filters_parse(request.GET)
    except DomainError as exc:
        filters, error, status = selectors.AuditFilters(), exc.message, exc.status
    total, entries = selectors.audit_search(user=request.user, filters=filters)
    ctx = {
        "filters": filters,
        "total": total,
        "entries": entries,
        "error": error,
        "verbs": audit_verbs(),
        "report": selectors.audit_verify_status(),
    }
    return render(request, "insights/audit.html", ctx, status=status)
