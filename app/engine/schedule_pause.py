"""Pause every schedule at once, and resume only the ones that pause stopped (the tray's and
Settings' "Pause all schedules" / "Resume schedules").

Which schedules were paused this way is kept in the data folder, so a pause outlives a restart
and a schedule the person had turned off stays off on resume.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

PAUSED_FILE = "paused-schedules.json"


class ScheduleSwitch(Protocol):
    """The part of the engine's schedules this needs."""

    def all(self) -> list[dict[str, Any]]: ...

    def set_enabled(self, schedule_id: str, enabled: bool) -> None: ...


def paused_ids(folder: Path) -> list[str]:
    """The schedules a pause-all turned off (empty: not paused)."""
    try:
        found: Any = json.loads((folder / PAUSED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [str(item) for item in found] if isinstance(found, list) else []


def pause_all(schedules: ScheduleSwitch, folder: Path) -> list[str]:
    """Turn off every enabled schedule; remember which, so resume restores only those."""
    paused = paused_ids(folder)
    for schedule in schedules.all():
        if schedule["enabled"]:
            schedules.set_enabled(schedule["id"], False)
            paused.append(schedule["id"])
    _write(folder, paused)
    return paused


def resume_all(schedules: ScheduleSwitch, folder: Path) -> list[str]:
    """Turn back on what pause_all turned off (a schedule deleted meanwhile is skipped)."""
    known = {schedule["id"] for schedule in schedules.all()}
    resumed = [schedule_id for schedule_id in paused_ids(folder) if schedule_id in known]
    for schedule_id in resumed:
        schedules.set_enabled(schedule_id, True)
    _write(folder, [])
    return resumed


def _write(folder: Path, ids: list[str]) -> None:
    path = folder / PAUSED_FILE
    if not ids:
        path.unlink(missing_ok=True)
        return
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(ids), encoding="utf-8")
    temp.replace(path)
