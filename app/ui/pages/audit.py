"""The Audit page (/audit, admins): who published, started, paused, resumed, canceled, retried,
changed a schedule or a credential, and who answered each task with what. Newest first,
filtered by who, what and target; 100 at a time, "Show older" for more."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from nicegui import ui

from app.auth import audit_reader
from app.auth.audit import ACTIONS, AuditEntry
from app.ui.fmt import stamp
from app.ui.shell import empty_state, frame, page_heading, require_engine

PAGE = 100
COLUMNS: list[dict[str, Any]] = [
    {"name": "at", "label": "When", "field": "at", "align": "left"},
    {"name": "who", "label": "Who", "field": "who", "align": "left"},
    {"name": "what", "label": "What", "field": "what", "align": "left"},
    {"name": "target", "label": "Target", "field": "target", "align": "left"},
    {"name": "details", "label": "Details", "field": "details", "align": "left"},
]


def register() -> None:
    ui.page("/audit")(audit_page)


async def audit_page(who: str = "", what: str = "", target: str = "") -> None:
    with frame("Audit", "audit"):
        engine = require_engine()
        if engine is not None:
            page = AuditPage(engine.folder.db_path, who, what, target)
            await page.reload()


def row(entry: AuditEntry) -> dict[str, Any]:
    details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
    return {
        "id": entry.id,
        "at": stamp(entry.at),
        "who": entry.who,
        "what": entry.what,
        "target": entry.target,
        "details": details if len(details) <= 300 else details[:299] + "…",
    }


class AuditPage:
    def __init__(self, db_path: Path, who: str, what: str, target: str) -> None:
        self.db_path = db_path
        self.oldest: int | None = None
        page_heading("Audit", "Who changed what, newest first. Entries are never edited.")
        with ui.row().classes("w-full items-end gap-3 flex-wrap"):
            self.who = ui.input("Who", value=who).props("dense outlined clearable")
            self.what = ui.select(
                {"": "Anything", **{a: a.capitalize() for a in ACTIONS}},
                value=what if what in ACTIONS else "",
                label="What",
            ).props("dense outlined")
            self.target = ui.input("Target (run, task, workflow…)", value=target)
            self.target.props("dense outlined clearable")
            ui.button("Filter", icon="filter_list", on_click=self.reload).props("unelevated")
        for field in (self.who, self.target):
            field.on("keydown.enter", self.reload)
        self.what.on_value_change(self.reload)
        self.table = ui.table(columns=COLUMNS, rows=[], row_key="id").classes("w-full")
        self.table.props('flat bordered wrap-cells data-testid="audit-table"').mark("audit-table")
        self.empty = ui.column().classes("w-full")
        self.more = ui.button("Show older", icon="expand_more", on_click=self.older)
        self.more.props("flat").mark("audit-more")

    async def _read(self, before: int | None) -> list[AuditEntry]:
        return await asyncio.to_thread(
            audit_reader.entries,
            self.db_path,
            who=str(self.who.value or "").strip() or None,
            what=str(self.what.value or "") or None,
            target=str(self.target.value or "").strip() or None,
            before_id=before,
            limit=PAGE,
        )

    async def reload(self) -> None:
        found = await self._read(None)
        self.table.rows = [row(e) for e in found]
        self._after(found)

    async def older(self) -> None:
        found = await self._read(self.oldest)
        self.table.rows = [*self.table.rows, *(row(e) for e in found)]
        self._after(found)

    def _after(self, found: list[AuditEntry]) -> None:
        if found:
            self.oldest = found[-1].id
        self.table.update()
        self.more.set_visibility(len(found) == PAGE)
        self.empty.clear()
        if not self.table.rows:
            with self.empty:
                empty_state("policy", "Nothing recorded", "No entry matches these filters yet.")
