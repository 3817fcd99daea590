"""The Settings page's Metrics card: what is waiting, runs per day by status, and how long
each workflow's runs take (p50/p95). The figures are read on a worker thread
(app.engine.metrics); the same ones are served at /metrics for Prometheus."""

from __future__ import annotations

import asyncio
from typing import Any

from nicegui import ui

from app.engine.metrics import Metrics, collect
from app.engine.service import Engine

STATUS_COLOURS = {
    "succeeded": "#2e7d32",
    "failed": "#c62828",
    "canceled": "#757575",
    "waiting": "#f9a825",
    "paused": "#6a1b9a",
    "running": "#1565c0",
    "pending": "#90a4ae",
}


def runs_per_day_chart(metrics: Metrics) -> dict[str, Any]:
    days = [day for day, _ in metrics.per_day]
    statuses = [s for s in STATUS_COLOURS if any(s in counts for _, counts in metrics.per_day)]
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 40, "right": 16, "top": 16, "bottom": 48},
        "xAxis": {"type": "category", "data": days},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": status,
                "type": "bar",
                "stack": "runs",
                "itemStyle": {"color": STATUS_COLOURS[status]},
                "data": [counts.get(status, 0) for _, counts in metrics.per_day],
            }
            for status in statuses
        ],
    }


def durations_chart(metrics: Metrics) -> dict[str, Any]:
    workflows = list(metrics.durations)
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 48, "right": 16, "top": 16, "bottom": 48},
        "xAxis": {"type": "category", "data": workflows},
        "yAxis": {"type": "value", "name": "seconds"},
        "series": [
            {
                "name": "p50",
                "type": "bar",
                "data": [round(d.p50, 3) for d in metrics.durations.values()],
            },
            {
                "name": "p95",
                "type": "bar",
                "data": [round(d.p95, 3) for d in metrics.durations.values()],
            },
        ],
    }


def metrics_card(engine: Engine) -> None:
    with ui.column().classes("ren-card w-full p-5 gap-3").mark("metrics"):
        with ui.row().classes("w-full items-center"):
            ui.label("Metrics").classes("ren-card-title")
            ui.space()
            ui.link("Prometheus text at /metrics", "/metrics", new_tab=True).classes("ren-small")
        body = ui.column().classes("w-full gap-3")
        with body:
            ui.label("Reading the figures…").classes("ren-muted")

        async def show() -> None:
            figures = await asyncio.to_thread(collect, engine.store)
            if body.is_deleted:  # the page was closed meanwhile
                return
            body.clear()
            with body:
                _figures(figures)

        ui.timer(0.05, show, once=True)


def _figures(metrics: Metrics) -> None:
    finished = sum(metrics.runs.get(s, 0) for s in ("succeeded", "failed", "canceled"))
    with ui.element("div").classes("ren-kv w-full").mark("metrics-figures"):
        for key, value in (
            ("Runs waiting", metrics.waiting_runs),
            ("Open tasks", metrics.open_tasks),
            ("Runs running", metrics.runs.get("running", 0)),
            ("Runs finished", finished),
            ("Runs failed", metrics.runs.get("failed", 0)),
            ("Steps run", sum(metrics.steps.values())),
        ):
            ui.label(key).classes("k")
            ui.label(f"{value:,}").classes("ren-mono text-[13px]")
    with ui.row().classes("w-full gap-5 max-md:flex-wrap"):
        with ui.column().classes("flex-1 min-w-0"):
            ui.label("Runs started per day").classes("font-medium")
            ui.echart(runs_per_day_chart(metrics)).classes("w-full h-64").mark("runs-per-day")
        with ui.column().classes("flex-1 min-w-0"):
            ui.label("Run durations, last 7 days (p50 / p95)").classes("font-medium")
            if metrics.durations:
                ui.echart(durations_chart(metrics)).classes("w-full h-64").mark("durations")
            else:
                ui.label("No run has ended in the last 7 days.").classes("ren-muted")
