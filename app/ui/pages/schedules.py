"""Schedules: workflows that start on a timetable. Until schedules exist, it explains itself."""

from __future__ import annotations

from nicegui import ui

from app.ui.shell import empty_state, frame, page_heading


def register() -> None:
    ui.page("/schedules")(schedules_page)


def schedules_page() -> None:
    with frame("Schedules", "schedules"):
        page_heading("Schedules", "Workflows that start on their own, on a timetable.")
        with ui.column().classes("ren-card w-full"):
            empty_state(
                "event_repeat",
                "No schedules yet",
                "A schedule starts a published workflow at set times — every morning at 8, "
                "every 15 minutes, on the first of the month — in your time zone. Each schedule "
                "will be listed here with its next and last run, and a switch to pause it.",
            )
