"""The runs grid's rows and columns: a run as a row, what a run event makes of its status, and
the AG Grid column definitions (status chip, workflow and version, relative start, duration)."""

from __future__ import annotations

from typing import Any

from app.engine.events import RunEvent
from app.store.reads import RunBrief
from app.ui.fmt import JS_AGO, JS_DURATION, JS_ESCAPE, JS_STAMP, JS_STATUS_CHIP

ACTIVE = ("pending", "running", "waiting", "paused")
EVENT_STATUS = {"run.created": "running", "run.resumed": "running"}


def run_row(brief: RunBrief) -> dict[str, Any]:
    return {
        "id": brief.id,
        "workflow_id": brief.workflow_id,
        "workflow": brief.workflow_name,
        "version": f"v{brief.version}",
        "status": brief.status,
        "created_at": brief.created_at,
        "started_at": brief.started_at or brief.created_at,
        "finished_at": brief.finished_at,
    }


def status_after(event: RunEvent) -> str | None:
    """The run's status once this event is committed (None: the event does not change it)."""
    if event.type in EVENT_STATUS:
        return EVENT_STATUS[event.type]
    kind = event.type.removeprefix("run.")
    return kind if kind in {"succeeded", "failed", "canceled", "paused", "waiting"} else None


GRID_COLUMNS: list[dict[str, Any]] = [
    {"field": "status", "headerName": "Status", "width": 140, ":cellRenderer": JS_STATUS_CHIP},
    {
        "field": "workflow",
        "headerName": "Workflow",
        "flex": 3,
        "minWidth": 200,
        ":cellRenderer": (
            f"(p) => {{ const e = {JS_ESCAPE}; return e(p.value)"
            " + '<span class=\"ren-cell-sub\">' + e(p.data.version) + '</span>'; }"
        ),
    },
    {"field": "id", "headerName": "Run", "flex": 2, "minWidth": 230, "cellClass": "ren-mono"},
    {
        "field": "started_at",
        "headerName": "Started",
        "width": 140,
        "sort": "desc",
        ":valueFormatter": f"(p) => ({JS_AGO})(p.value)",
        ":tooltipValueGetter": f"(p) => ({JS_STAMP})(p.value)",
    },
    {
        "colId": "duration",
        "headerName": "Duration",
        "width": 130,
        "type": "rightAligned",
        ":valueGetter": (
            "(p) => { const d = p.data; const active = "
            + str(list(ACTIVE))
            + ".includes(d.status);"
            " const end = d.finished_at ?? (active ? Date.now() / 1000 : null);"
            " return end == null ? null : Math.max(0, end - d.started_at); }"
        ),
        ":valueFormatter": f"(p) => ({JS_DURATION})(p.value)",
    },
]
