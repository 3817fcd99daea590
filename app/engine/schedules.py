"""Schedules: start runs of a workflow on a cron expression or an interval.

The `schedule` table is the truth; APScheduler only rings. Each fire's run carries the unique
key `sched:{schedule}:{fire time}`, so no fire can ever start two runs. Fire times missed while
Ren was not running (or the machine slept) follow the schedule's misfire policy:
`skip` (none of them), `once` (one run for the latest) or `all` (one run per missed time).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from app.auth import audit
from app.core.ids import new_id
from app.engine.workflows import NotFound
from app.store import writes
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.service import Engine

log = logging.getLogger(__name__)

Misfire = Literal["skip", "once", "all"]
ON_TIME_S = 60.0  # a fire this late still counts as on time
MAX_CATCH_UP = 1000  # `all` never starts more runs than this at once


EDITABLE = ("cron", "interval_s", "timezone", "input", "misfire", "enabled")
TIMING = ("cron", "interval_s", "timezone")


class ScheduleInvalid(ValueError):
    """A schedule that cannot be; `field` names the setting at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


def make_trigger(schedule: dict[str, Any]) -> BaseTrigger:
    try:
        zone = ZoneInfo(schedule["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleInvalid(f"unknown time zone '{schedule['timezone']}'", "timezone") from None
    if schedule.get("cron"):
        try:
            return CronTrigger.from_crontab(schedule["cron"], timezone=zone)
        except ValueError as err:
            raise ScheduleInvalid(
                f"bad cron expression '{schedule['cron']}': {err}", "cron"
            ) from None
    if schedule.get("interval_s"):
        start = datetime.fromtimestamp(schedule["created_at"], UTC)
        try:
            return IntervalTrigger(
                seconds=float(schedule["interval_s"]), start_date=start, timezone=zone
            )
        except (OverflowError, ValueError):
            raise ScheduleInvalid("the interval is too long", "interval_s") from None
    raise ScheduleInvalid("a schedule needs a cron expression or an interval", "cron")


def fire_times(trigger: BaseTrigger, after: float, until: float, limit: int) -> list[float]:
    """Fire times t with after < t <= until (at most the last `limit` of them)."""
    times: list[float] = []
    previous: datetime | None = None
    cursor = datetime.fromtimestamp(after, UTC) + timedelta(microseconds=1)
    end = datetime.fromtimestamp(until, UTC)
    while True:
        nxt = trigger.get_next_fire_time(previous, cursor)
        if nxt is None or nxt > end:
            return times[-limit:]
        times.append(nxt.timestamp())
        previous, cursor = nxt, nxt + timedelta(microseconds=1)
        if len(times) > 10 * limit:
            times = times[-limit:]


def due_fires(times: list[float], now: float, misfire: str, grace_s: float) -> list[float]:
    """Which of the fire times that came due get a run, under the misfire policy.

    A fire at most `grace_s` late is on time; `skip` drops every fire that is not.
    """
    if not times:
        return []
    if misfire == "all":
        return times
    latest = times[-1]
    if misfire == "skip" and now - latest > grace_s:
        return []
    return [latest]


def grace(trigger: BaseTrigger, fire: float) -> float:
    """How late a fire may be and still count as on time: a minute, or half the period."""
    after = datetime.fromtimestamp(fire, UTC)
    nxt = trigger.get_next_fire_time(after, after + timedelta(microseconds=1))
    period = (nxt.timestamp() - fire) if nxt is not None else ON_TIME_S * 2
    return min(ON_TIME_S, period / 2)


class Schedules:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def all(self) -> list[dict[str, Any]]:
        return self.engine.store.schedules()

    def get(self, schedule_id: str) -> dict[str, Any]:
        found = self.engine.store.schedule_row(schedule_id)
        if found is None:
            raise NotFound(f"no schedule '{schedule_id}'")
        return found

    def add(
        self,
        workflow_id: str,
        *,
        cron: str | None = None,
        interval_s: float | None = None,
        timezone: str = "UTC",
        input: Any = None,
        misfire: str = "once",
        enabled: bool = True,
    ) -> dict[str, Any]:
        self.engine.workflows.draft(workflow_id)  # it must exist (not deleted) ...
        self.engine.workflows.version(workflow_id)  # ... and be published
        if misfire not in ("skip", "once", "all"):
            raise ScheduleInvalid(f"misfire must be skip, once or all, not '{misfire}'", "misfire")
        if interval_s is not None and interval_s <= 0:
            raise ScheduleInvalid("the interval must be more than 0 seconds", "interval_s")
        now = time.time()
        schedule = {
            "id": new_id(),
            "workflow_id": workflow_id,
            "cron": cron,
            "interval_s": interval_s,
            "timezone": timezone,
            "input": input,
            "enabled": enabled,
            "misfire": misfire,
            "last_fire_at": now,
            "created_at": now,
        }
        trigger = make_trigger(schedule)  # refuses bad cron, interval or zone before writing
        batch = Batch()
        batch.add(
            writes.INSERT_SCHEDULE,
            schedule["id"],
            workflow_id,
            cron,
            interval_s,
            timezone,
            writes.to_json(input),
            enabled,
            misfire,
            now,
            now,
        )
        when = {"cron": cron, "interval_s": interval_s, "timezone": timezone}
        details = {"change": "added", "workflow_id": workflow_id, **when, "enabled": enabled}
        audit.add_entry(batch, audit.SCHEDULE_CHANGED, schedule["id"], details)
        self.engine.store.write(batch)
        if enabled:
            self.engine.alarms.add_schedule(schedule["id"], trigger)
        return schedule

    def remove(self, schedule_id: str) -> None:
        schedule = self.get(schedule_id)
        batch = Batch()
        batch.add(writes.DELETE_SCHEDULE, schedule_id)
        details = {"change": "removed", "workflow_id": schedule["workflow_id"]}
        audit.add_entry(batch, audit.SCHEDULE_CHANGED, schedule_id, details)
        self.engine.store.write(batch)
        self.engine.alarms.remove_schedule(schedule_id)

    def of_workflow(self, workflow_id: str) -> list[dict[str, Any]]:
        return [s for s in self.all() if s["workflow_id"] == workflow_id]

    def remove_all_of(self, workflow_id: str) -> int:
        """Remove every schedule of a workflow (in one transaction); returns how many."""
        ids = [str(s["id"]) for s in self.of_workflow(workflow_id)]
        if ids:
            batch = Batch()
            for schedule_id in ids:
                batch.add(writes.DELETE_SCHEDULE, schedule_id)
                details = {"change": "removed", "workflow_id": workflow_id}
                audit.add_entry(batch, audit.SCHEDULE_CHANGED, schedule_id, details)
            self.engine.store.write(batch)
            for schedule_id in ids:
                self.engine.alarms.remove_schedule(schedule_id)
        return len(ids)

    def set_enabled(self, schedule_id: str, enabled: bool) -> None:
        schedule = self.get(schedule_id)
        batch = Batch()
        # re-enabling does not replay the paused time
        batch.add(writes.SET_SCHEDULE_ENABLED, enabled, time.time(), schedule_id)
        change = {"change": "enabled" if enabled else "disabled"}
        audit.add_entry(batch, audit.SCHEDULE_CHANGED, schedule_id, change)
        self.engine.store.write(batch)
        if enabled:
            self.engine.alarms.add_schedule(schedule_id, make_trigger(schedule))
        else:
            self.engine.alarms.remove_schedule(schedule_id)

    def update(self, schedule_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change some of a schedule's settings (EDITABLE) at once; returns the schedule.

        A cron expression replaces an interval and the other way round. Everything is checked
        before anything is written (ScheduleInvalid names the setting); the change is audited
        with its new values. A new timing or switching back on starts counting from now, so
        it replays no fire the old settings missed.
        """
        unknown = sorted(set(changes) - set(EDITABLE))
        if unknown:
            raise ScheduleInvalid(f"'{unknown[0]}' cannot be changed", unknown[0])
        old = self.get(schedule_id)
        new = {**old, **changes}
        if changes.get("cron") is not None:
            new["interval_s"] = None
        elif changes.get("interval_s") is not None:
            new["cron"] = None
        if new.get("cron") and new.get("interval_s"):
            raise ScheduleInvalid("give either cron or interval_s, not both", "cron")
        if new["interval_s"] is not None and float(new["interval_s"]) <= 0:
            raise ScheduleInvalid("the interval must be more than 0 seconds", "interval_s")
        if new["misfire"] not in ("skip", "once", "all"):
            raise ScheduleInvalid(
                f"misfire must be skip, once or all, not '{new['misfire']}'", "misfire"
            )
        new["enabled"] = bool(new["enabled"])
        trigger = make_trigger(new)
        retimed = any(new[k] != old[k] for k in TIMING) or (new["enabled"] and not old["enabled"])
        if retimed:
            new["last_fire_at"] = time.time()
        changed = {k: new[k] for k in EDITABLE if new[k] != old[k]}
        batch = Batch()
        batch.add(
            writes.UPDATE_SCHEDULE,
            new["cron"],
            new["interval_s"],
            new["timezone"],
            writes.to_json(new["input"]),
            new["enabled"],
            new["misfire"],
            new["last_fire_at"],
            schedule_id,
        )
        details = {"change": "changed", "workflow_id": old["workflow_id"], **changed}
        audit.add_entry(batch, audit.SCHEDULE_CHANGED, schedule_id, details)
        self.engine.store.write(batch)
        self.engine.alarms.remove_schedule(schedule_id)
        if new["enabled"]:
            self.engine.alarms.add_schedule(schedule_id, trigger)
        return self.get(schedule_id)

    async def start(self) -> None:
        """At engine start: catch up on missed fires, then arm every enabled schedule."""
        for schedule in self.all():
            if not schedule["enabled"]:
                continue
            try:
                await self.catch_up(schedule["id"])
                self.engine.alarms.add_schedule(schedule["id"], make_trigger(schedule))
            except Exception:
                log.exception("cannot arm schedule %s", schedule["id"])

    async def catch_up(self, schedule_id: str) -> list[str]:
        """Start the runs this schedule owes now (used for each fire and at start-up)."""
        schedule = self.get(schedule_id)
        if not schedule["enabled"]:
            return []
        now = time.time()
        limit = MAX_CATCH_UP if schedule["misfire"] == "all" else 1
        trigger = make_trigger(schedule)
        times = fire_times(trigger, schedule["last_fire_at"] or now, now, limit)
        on_time = grace(trigger, times[-1]) if times else 0.0
        started: list[str] = []
        for fire in due_fires(times, now, schedule["misfire"], on_time):
            stamp = datetime.fromtimestamp(fire, UTC).isoformat()
            run_id = await self.engine.start_run(
                schedule["workflow_id"],
                schedule["input"] or {},
                idempotency_key=f"sched:{schedule_id}:{stamp}",
            )
            started.append(run_id)
        if times:
            batch = Batch()
            batch.add(writes.SET_SCHEDULE_LAST_FIRE, times[-1], schedule_id)
            self.engine.store.write(batch)
        return started
