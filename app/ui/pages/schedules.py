"""Schedules: workflows that start on their own, on a timetable or every N minutes.

The list says, for each schedule, which workflow, when (in words and as written), its time
zone, what happens to times missed while Ren was closed, its next and last run, and a switch to
pause it. "New schedule" opens the add dialog (app.ui.schedule_dialog); removing asks first.
"""

from __future__ import annotations

import contextlib
from typing import Any

from nicegui import ui

from app.engine.service import Engine, NotFound
from app.ui import queries
from app.ui.dialogs import confirm
from app.ui.fmt import ago, stamp
from app.ui.schedule_dialog import AddScheduleDialog
from app.ui.schedule_text import MISFIRE, describe, next_fire
from app.ui.shell import empty_state, frame, page_heading, require_engine, status_chip
from app.ui.task_text import clock


def register() -> None:
    ui.page("/schedules")(schedules_page)


def schedules_page() -> None:
    with frame("Schedules", "schedules"):
        engine = require_engine()
        if engine is not None:
            SchedulesPage(engine)


class SchedulesPage:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.root = ui.column().classes("w-full gap-5")
        with self.root:
            actions = page_heading(
                "Schedules", "Workflows that start on their own, on a timetable."
            )
            with actions:
                ui.button("New schedule", icon="add", on_click=self.open_add).props(
                    'unelevated color=primary data-testid="new-schedule"'
                ).mark("new-schedule")
            self.listing()

    @ui.refreshable_method
    def listing(self) -> None:
        schedules = self.engine.schedules.all()
        if not schedules:
            with ui.column().classes("ren-card w-full"):
                actions = empty_state(
                    "event_repeat",
                    "No schedules yet",
                    "A schedule starts a published workflow at set times — every morning at 8, "
                    "every 15 minutes, on the first of the month — in your time zone. Each "
                    "schedule is listed here with its next and last run, and a switch to pause "
                    "it.",
                )
                with actions:
                    ui.button("New schedule", icon="add", on_click=self.open_add).props(
                        "unelevated color=primary"
                    )
            return
        names = {s.id: s.name for s in self.engine.workflows.summaries()}
        with ui.column().classes("ren-card ren-list gap-0"):
            with ui.element("div").classes("ren-sched-row ren-list-head"):
                ui.label("Workflow")
                ui.label("When")
                ui.label("Next and last run").classes("ren-col-optional")
                ui.label("If Ren was closed").classes("ren-col-optional")
                ui.label("On")
                ui.label("")
            for schedule in schedules:
                self._row(schedule, names)

    def _row(self, s: dict[str, Any], names: dict[str, str]) -> None:
        name = names.get(s["workflow_id"]) or queries.workflow_name(self.engine, s["workflow_id"])
        row = ui.element("div").classes("ren-sched-row").props(f'data-schedule="{s["id"]}"')
        if not s["enabled"]:
            row.classes("ren-sched-off")
        with row:
            with ui.column().classes("gap-0 min-w-0"):
                ui.link(name or s["workflow_id"], f"/workflows/{s['workflow_id']}").classes(
                    "ren-row-link truncate max-w-full"
                )
                given = s.get("input") or {}
                ui.label(
                    f"Starts with {len(given)} input value{'' if len(given) == 1 else 's'}"
                    if given
                    else "Starts with no input"
                ).classes("ren-small ren-faint truncate max-w-full")
            with ui.column().classes("gap-0 min-w-0"):
                ui.label(describe(s)).classes("font-medium")
                written = s["cron"] or f"every {s['interval_s']:g} s"
                ui.label(f"{written} · {s['timezone']}").classes(
                    "ren-small ren-faint ren-mono truncate max-w-full"
                )
            with ui.column().classes("gap-0 min-w-0 ren-col-optional"):
                self._next_and_last(s)
            ui.label(MISFIRE.get(s["misfire"], s["misfire"])).classes(
                "ren-muted text-sm ren-col-optional"
            )
            switch = ui.switch(
                value=bool(s["enabled"]),
                on_change=lambda e, s=s: self.set_enabled(s, bool(e.value)),
            ).mark(f"enabled-{s['id']}")
            switch.props["aria-label"] = f"Schedule of {name} is on"
            remove = ui.button(
                icon="delete_outline", color=None, on_click=lambda _, s=s: self.confirm_remove(s)
            ).props('flat round dense title="Remove this schedule"')
            remove.classes("ren-icon-btn").mark(f"remove-{s['id']}")
            remove.props["aria-label"] = f"Remove the schedule of {name}"

    def _next_and_last(self, s: dict[str, Any]) -> None:
        if s["enabled"]:
            nxt = next_fire(s)
            ui.label(f"Next: {clock(nxt)}" if nxt else "No more runs planned").classes("text-sm")
        else:
            ui.label("Paused — no runs start").classes("text-sm ren-muted")
        last = queries.schedule_last_run(self.engine, s["id"], s["workflow_id"])
        if last is None:
            ui.label("Last: not yet").classes("ren-small ren-faint")
            return
        with (
            ui.link(target=f"/runs/{last.id}")
            .classes("ren-link flex items-center gap-2 flex-nowrap")
            .props(f'title="Run {last.id}, started {stamp(last.created_at)}"')
        ):
            ui.label(f"Last: {ago(last.created_at)}").classes(
                "ren-small ren-muted whitespace-nowrap"
            )
            status_chip(last.status)

    # -- actions --------------------------------------------------------------------------

    def open_add(self) -> None:
        with self.root:
            AddScheduleDialog(self.engine, self.added).open()

    def added(self, schedule: dict[str, Any]) -> None:
        self.listing.refresh()
        nxt = next_fire(schedule)
        when = f" The first run starts {clock(nxt)}." if nxt else ""
        ui.notify(f"Schedule added.{when}", type="positive")

    def set_enabled(self, s: dict[str, Any], enabled: bool) -> None:
        try:
            self.engine.schedules.set_enabled(s["id"], enabled)
        except NotFound:
            ui.notify("This schedule was removed meanwhile.", type="warning")
        else:
            ui.notify(
                "Schedule on: it starts runs again from now on."
                if enabled
                else "Schedule paused: it starts no runs until you switch it back on."
            )
        self.listing.refresh()

    async def confirm_remove(self, s: dict[str, Any]) -> None:
        name = queries.workflow_name(self.engine, s["workflow_id"]) or s["workflow_id"]
        if not await confirm(
            self.root,
            "Remove this schedule?",
            [
                f"“{name}” will no longer start {describe(s).lower()}. "
                "Runs it already started are kept."
            ],
            decline="Keep it",
            decline_marker="keep-schedule",
            accept="Remove",
            accept_marker="confirm-remove",
        ):
            return
        with contextlib.suppress(NotFound):  # removed meanwhile: gone either way
            self.engine.schedules.remove(s["id"])
        self.listing.refresh()
        ui.notify("Schedule removed.")
