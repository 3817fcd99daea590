"""A run's steps on a time axis (NiceGUI's ECharts): one bar per step from its start for its
duration, coloured by its state, with the attempt in the tooltip.

ECharts has no Gantt series; the usual form is a stacked bar whose first, invisible part is
the offset from the run's start. Only the first MAX_BARS steps (by start) are drawn: a loop of
10,000 items is read in the steps table, not in a chart.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from nicegui import ui

MAX_BARS = 200
COLORS = {
    "succeeded": "#1e9e59",
    "failed": "#d64545",
    "running": "#2f7de1",
    "retrying": "#d9822b",
    "waiting": "#16a3a3",
    "skipped": "#9aa3ad",
}
BAR_HEIGHT = 26


def bars(
    rows: Iterable[Mapping[str, Any]], run_started: float, now: float | None = None
) -> list[dict[str, Any]]:
    """The steps that started, first started first: label, offset and duration in seconds."""
    now = time.time() if now is None else now
    started = [r for r in rows if r.get("started_at") is not None]
    started.sort(key=lambda r: (float(r["started_at"]), str(r["key"])))
    out = []
    for row in started[:MAX_BARS]:
        begin = float(row["started_at"])
        end = row.get("finished_at")
        end_at = float(end) if end is not None else now
        out.append(
            {
                "label": str(row.get("name") or row["key"])
                + (f" {row['key'][len(str(row['node_id'])) :]}" if "[" in str(row["key"]) else ""),
                "offset": round(max(0.0, begin - run_started), 3),
                "duration": round(max(0.0, end_at - begin), 3),
                "status": str(row.get("status")),
                "attempt": int(row.get("attempt") or 1),
            }
        )
    return out


def chart_options(items: list[dict[str, Any]]) -> dict[str, Any]:
    labels = [b["label"] for b in items]
    return {
        "animation": False,
        "grid": {"left": 8, "right": 24, "top": 8, "bottom": 28, "containLabel": True},
        "xAxis": {"type": "value", "name": "s", "nameLocation": "end", "min": 0},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "bar",
                "stack": "t",
                "silent": True,
                "itemStyle": {"color": "transparent"},
                "data": [b["offset"] for b in items],
            },
            {
                "type": "bar",
                "stack": "t",
                "name": "duration",
                "barMaxWidth": 18,
                "data": [
                    {
                        "value": b["duration"],
                        "itemStyle": {"color": COLORS.get(b["status"], "#9aa3ad")},
                        "tooltip": {
                            "formatter": (
                                f"{b['label']}<br>starts at {b['offset']:g} s, "
                                f"takes {b['duration']:g} s<br>"
                                f"{b['status']}, attempt {b['attempt']}"
                            )
                        },
                    }
                    for b in items
                ],
            },
        ],
    }


class RunTimeline:
    def __init__(self, run_started: float) -> None:
        self.run_started = run_started
        self.items: list[dict[str, Any]] = []
        self.chart = ui.echart(chart_options([])).classes("w-full").mark("run-timeline")
        self.note = ui.label("").classes("ren-small ren-muted")

    def show(self, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        items = bars(rows, self.run_started)
        if items == self.items:
            return
        self.items = items
        self.chart.options.clear()
        self.chart.options.update(chart_options(items))
        self.chart.style(f"height: {max(120, 48 + BAR_HEIGHT * len(items))}px")
        self.chart.update()
        hidden = sum(1 for r in rows if r.get("started_at") is not None) - len(items)
        self.note.text = (
            f"The first {MAX_BARS} steps are drawn; {hidden} more are in the table."
            if hidden > 0
            else ""
        )
