"""A `Figure` as the Chart.js configuration the page embeds with `json_script` (drawn by
psdesk/core/static/psdesk/charts.js). The figure's series come first and unchanged, so the drawn
datasets equal the `/api/v1/insights/<chart>` series; a reference line (target) is one more
dataset after them, labelled "Target"."""

from __future__ import annotations

from typing import Any

PALETTE = ("#6b4fbb", "#1f78b4", "#33a02c", "#e6550d", "#b15928", "#636363")
BELOW = "#d62728"
ABOVE = "#2ca02c"


def chart_config(figure: Any, *, stacked: bool = False) -> dict[str, Any]:
    datasets: list[dict[str, Any]] = []
    for i, s in enumerate(figure.series):
        colour = PALETTE[i % len(PALETTE)]
        ds: dict[str, Any] = {"label": s.label, "data": list(s.data), "backgroundColor": colour, "borderColor": colour}
        if figure.kind == "line":
            ds["fill"] = False
            ds["tension"] = 0.2
        datasets.append(ds)
    if figure.id == "margin-distribution" and figure.target is not None and datasets:
        # bars left of the target are below it: red; the others green
        lows = [row["to"] <= figure.target for row in figure.rows]
        datasets[0]["backgroundColor"] = [BELOW if low else ABOVE for low in lows]
    elif figure.target is not None:
        datasets.append(
            {
                "label": "Target",
                "type": "line",
                "data": [figure.target] * len(figure.labels),
                "borderColor": "#999",
                "borderDash": [6, 4],
                "pointRadius": 0,
                "fill": False,
            }
        )
    return {
        "type": figure.kind,
        "data": {"labels": list(figure.labels), "datasets": datasets},
        "options": {
            "plugins": {
                "legend": {"position": "bottom"},
                "title": {"display": False},
            },
            "scales": {
                "x": {"stacked": stacked},
                "y": {"stacked": stacked, "beginAtZero": True, "title": {"display": True, "text": figure.unit}},
            },
        },
    }
