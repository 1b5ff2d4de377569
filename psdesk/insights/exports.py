"""CSV and XLSX exports of the lists people keep in spreadsheets: the board (with the board's own
filters), the delivery queue, the estimates (with margin for roles that see cost) and the projects.
Each export reads through the owning app's selectors and `visible_to`, so PubSec rows never leave
for a non-member, and streams: CSV row by row, XLSX from a write-only workbook. A cell that a
spreadsheet would run as a formula (=, +, -, @ first) is written as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from psdesk.board.columns import COLUMN_NAMES
from psdesk.board.selectors import BoardFilters, engagement_list
from psdesk.core import clock
from psdesk.core.errors import ValidationFailed
from psdesk.core.permissions import permission_require
from psdesk.core.types import Actor
from psdesk.crm.choices import Segment
from psdesk.estimates.models import EstimateVersion
from psdesk.projects.choices import ProjectStatus
from psdesk.projects.selectors import project_list
from psdesk.scheduling.models import ForecastResult, QueueEntry
from psdesk.scheduling.selectors import latest_run_or_none

CHUNK = 500
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Cell = str | int | Decimal | date | datetime | None


@dataclass(frozen=True)
class Export:
    key: str
    title: str
    header: list[str]
    rows: Iterator[list[Cell]]

    def filename(self, fmt: str) -> str:
        return f"psdesk-{self.key}-{clock.today():%Y-%m-%d}.{fmt}"


def board_filters_from(data: Mapping[str, str]) -> BoardFilters:
    """The board page's filters from its query string (the same names and bounds as the board)."""
    em = data.get("em", "")
    segment = data.get("segment", "")
    return BoardFilters(
        em=int(em) if em.isdigit() else None,
        segment=segment if segment in Segment.values else "",
        mine=data.get("mine") == "1",
        q=data.get("q", "")[:100],
        label=data.get("label", "")[:100],
        service_type=data.get("service_type", "")[:64],
        at_risk=data.get("at_risk") == "1",
        pubsec=data.get("pubsec") == "1",
    )


def board_export(*, user: Actor, filters: BoardFilters) -> Export:
    permission_require(user, "engagements.view_engagement")
    qs = (
        engagement_list(user=user, filters=filters)
        .select_related("account", "em", "opportunity")
        .order_by("state", "created_at", "pk")
        .distinct()
    )
    now = clock.now()

    def rows() -> Iterator[list[Cell]]:
        for e in qs.iterator(chunk_size=CHUNK):
            opp = e.opportunity
            yield [
                e.pk,
                e.title,
                e.account.name,
                COLUMN_NAMES.get(e.state, e.state),
                e.em.get_username() if e.em else "",
                e.account.get_segment_display(),
                opp.name if opp else "",
                (opp.ps_value + opp.education_value) if opp else None,
                opp.currency if opp else "",
                e.created_at,
                (now - e.state_changed_at).days,
            ]

    header = ["Id", "Engagement", "Customer", "Column", "EM", "Segment", "Opportunity", "PS value", "Currency"]
    return Export("board", "Board", [*header, "Created", "Days in column"], rows())


def queue_export(*, user: Actor) -> Export:
    permission_require(user, "scheduling.view_queueentry")
    qs = QueueEntry.objects.visible_to(user).active().in_queue_order().select_related("account")
    run = latest_run_or_none()

    def rows() -> Iterator[list[Cell]]:
        position = 0
        for chunk in _chunks(qs):
            results = {r.entry_id: r for r in ForecastResult.objects.filter(run=run, entry__in=chunk)} if run else {}
            for e in chunk:
                position += 1
                r = results.get(e.pk)
                yield [
                    position,
                    e.title,
                    e.account.name,
                    e.get_kind_display(),
                    e.get_service_type_display(),
                    e.closed_won_at,
                    r.p50_date if r else None,
                    r.p80_date if r else None,
                    r.binding if r else "",
                    e.committed_start,
                ]

    header = ["#", "Project", "Customer", "Demand", "Service type", "Closed won", "Forecast P50", "Forecast P80"]
    return Export("queue", "Delivery queue", [*header, "Binding constraint", "Committed start"], rows())


def estimates_export(*, user: Actor) -> Export:
    """The latest version of each visible engagement's estimate; price, cost and margin for roles
    with `view_estimate_cost`, price only for the others."""
    permission_require(user, "estimates.view_estimateversion")
    cost = user.has_perm("estimates.view_estimate_cost")
    qs = (
        EstimateVersion.objects.visible_to(user)
        .select_related("engagement", "engagement__account")
        .order_by("engagement_id", "-number")
    )

    def rows() -> Iterator[list[Cell]]:
        last = None
        for v in qs.iterator(chunk_size=CHUNK):
            if v.engagement_id == last:
                continue
            last = v.engagement_id
            row: list[Cell] = [
                v.engagement_id,
                v.engagement.title,
                v.engagement.account.name,
                v.number,
                v.get_status_display(),
                v.get_pricing_model_display(),
                v.hours,
                v.price,
                v.currency,
            ]
            if cost:
                row += [v.cost, (v.margin * 100).quantize(Decimal("0.1")) if v.margin is not None else None]
            yield [*row, v.updated_at]

    header = ["Engagement id", "Engagement", "Customer", "Version", "Status", "Pricing", "Hours", "Price", "Currency"]
    if cost:
        header += ["Cost", "Margin %"]
    return Export("estimates", "Estimates", [*header, "Updated"], rows())


def projects_export(*, user: Actor, status: str = "") -> Export:
    permission_require(user, "projects.view_project")
    if status and status not in ProjectStatus.values:
        raise ValidationFailed("status: not a project status.", details={"field": "status"})
    qs = project_list(user=user, status=status).order_by("-created_at", "-pk")

    def rows() -> Iterator[list[Cell]]:
        for p in qs.iterator(chunk_size=CHUNK):
            yield [
                p.pk,
                p.name,
                p.account.name,
                p.get_kind_display(),
                p.get_status_display(),
                p.coordinator.get_username() if p.coordinator else "",
                p.budget,
                p.currency,
                p.booked_at,
                p.welcome_sent_at,
            ]

    header = ["Id", "Project", "Customer", "Kind", "Status", "Coordinator", "Budget", "Currency", "Booked"]
    return Export("projects", "Projects", [*header, "Welcome email sent"], rows())


EXPORTS: dict[str, Callable[..., Export]] = {
    "board": board_export,
    "queue": queue_export,
    "estimates": estimates_export,
    "projects": projects_export,
}


def _chunks(qs: Any) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in qs.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not isinstance(cell, int | Decimal) else text


class _Line:
    def write(self, value: str) -> str:
        return value


def csv_lines(export: Export) -> Iterator[str]:
    """The export as CSV lines (a byte-order mark first, so spreadsheets read UTF-8)."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(export.header)
    for row in export.rows:
        yield writer.writerow([_text(c) for c in row])


def _xlsx_cell(cell: Cell) -> Any:
    if isinstance(cell, datetime):
        return cell.replace(tzinfo=None)  # spreadsheets hold no time zone: the value is in UTC
    if isinstance(cell, str):
        return _text(cell)
    return cell


def xlsx_bytes(export: Export) -> bytes:
    """The export as an XLSX workbook (one sheet, header row frozen), from a write-only workbook."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(export.title[:31])
    ws.freeze_panes = "A2"
    ws.append(export.header)
    for row in export.rows:
        ws.append([_xlsx_cell(c) for c in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
