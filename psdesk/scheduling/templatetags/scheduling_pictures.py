"""Template tags that give the queue and capacity pages their charts (Chart.js configurations for
psdesk/core/static/psdesk/charts.js) from `selectors/pictures.py`, so the pages draw what the
`/api/v1/insights/lead-times` and `/api/v1/insights/capacity-demand` endpoints answer."""

from __future__ import annotations

from typing import Any

from django import template

from psdesk.scheduling.models import ForecastRun
from psdesk.scheduling.selectors.pictures import capacity_demand, heat_cells, lead_time_history

register = template.Library()

_COLOURS = ("#6b4fbb", "#1f78b4", "#33a02c", "#e6550d", "#b15928", "#636363", "#a6761d")


def _config(kind: str, labels: list[str], series: list[dict[str, Any]], unit: str, **extra: Any) -> dict[str, Any]:
    datasets = []
    for i, s in enumerate(series):
        colour = _COLOURS[(i // 2 if extra.get("pairs") else i) % len(_COLOURS)]
        ds: dict[str, Any] = {"label": s["label"], "data": s["data"], "borderColor": colour, "backgroundColor": colour}
        if extra.get("pairs") and i % 2:
            ds["borderDash"] = [6, 4]  # the P80 line of a service type: dashed, same colour as its P50
        if s.get("type"):
            ds["type"] = s["type"]
            ds["stack"] = "line"  # its own stack: a line over stacked bars is not added to them
            ds["backgroundColor"] = "transparent"
        datasets.append(ds)
    return {
        "type": kind,
        "data": {"labels": labels, "datasets": datasets},
        "options": {
            "spanGaps": True,
            "plugins": {"legend": {"position": "bottom"}},
            "scales": {
                "x": {"stacked": bool(extra.get("stacked"))},
                "y": {
                    "beginAtZero": True,
                    "stacked": bool(extra.get("stacked")),
                    "title": {"display": True, "text": unit},
                },
            },
        },
    }


@register.simple_tag
def lead_time_chart(weeks: int = 26) -> dict[str, Any]:
    """{"figure": the history, "config": its line chart} for the queue page."""
    figure = lead_time_history(weeks=weeks)
    return {"figure": figure, "config": _config("line", figure["labels"], figure["series"], "weeks", pairs=True)}


@register.simple_tag(takes_context=True)
def capacity_demand_charts(context: Any, run: ForecastRun | None) -> list[dict[str, Any]]:
    """One bar chart per role: committed and tentative demand stacked, capacity as a line."""
    if run is None:
        return []
    figure = capacity_demand(user=context["request"].user, run=run)
    out = []
    for r in figure["roles"]:
        capacity, committed, tentative = r["series"]
        series = [{**committed}, {**tentative}, {**capacity, "type": "line"}]
        out.append(
            {
                "id": f"chart-capacity-{r['role'].lower()}",
                "role": r["label"],
                "config": _config("bar", figure["labels"], series, "hours per week", stacked=True),
            }
        )
    return out


@register.simple_tag
def heat_table(heat: dict[str, Any] | None) -> dict[str, Any] | None:
    return heat_cells(heat) if heat else None
