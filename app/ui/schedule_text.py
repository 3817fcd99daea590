"""Schedules in plain words: "Every day at 08:00", "Every 15 minutes", what the misfire policies
mean, and the next times a timetable fires (which also checks it)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import available_timezones

from app.engine.schedules import ScheduleInvalid, make_trigger

MISFIRE = {
    "once": "Run once to catch up",
    "skip": "Skip the missed times",
    "all": "Run once for every missed time",
}
MISFIRE_HELP = {
    "once": "One run for the latest missed time, then on as planned. Good for most schedules.",
    "skip": "Missed times are dropped; the next run is at the next planned time.",
    "all": "Every missed time gets its run (at most 1,000), e.g. one report per missed day.",
}
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
PRESETS = (
    ("Every hour", "0 * * * *"),
    ("Every day at 8:00", "0 8 * * *"),
    ("Weekdays at 9:00", "0 9 * * mon-fri"),
    ("Mondays at 9:00", "0 9 * * mon"),
    ("1st of the month", "0 8 1 * *"),
)
DAYS = {
    "mon": "Mondays",
    "tue": "Tuesdays",
    "wed": "Wednesdays",
    "thu": "Thursdays",
    "fri": "Fridays",
    "sat": "Saturdays",
    "sun": "Sundays",
    "mon-fri": "weekdays",
    "1-5": "weekdays",
    "sat,sun": "weekends",
    "sat-sun": "weekends",
    "0": "Sundays",
    "1": "Mondays",
    "2": "Tuesdays",
    "3": "Wednesdays",
    "4": "Thursdays",
    "5": "Fridays",
    "6": "Saturdays",
}
_NUMBER = re.compile(r"\d{1,2}")


def every(seconds: float) -> str:
    """'Every 15 minutes', 'Every hour', 'Every 90 seconds'."""
    for unit, size in reversed(UNITS.items()):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            word = unit[:-1]
            return f"Every {word}" if n == 1 else f"Every {n} {unit}"
    return f"Every {seconds:g} seconds"


def describe_cron(cron: str) -> str:
    """A common crontab line in words; anything else is 'On a custom timetable'."""
    parts = cron.split()
    if len(parts) != 5:
        return "On a custom timetable"
    minute, hour, dom, month, dow = (p.lower() for p in parts)
    if (minute, hour, dom, month, dow) == ("*", "*", "*", "*", "*"):
        return "Every minute"
    if minute.startswith("*/") and (hour, dom, month, dow) == ("*", "*", "*", "*"):
        return every(int(minute[2:]) * 60) if minute[2:].isdigit() else "On a custom timetable"
    if not _NUMBER.fullmatch(minute):
        return "On a custom timetable"
    if hour == "*" and (dom, month, dow) == ("*", "*", "*"):
        return f"Every hour at :{int(minute):02d}"
    if not _NUMBER.fullmatch(hour) or month != "*":
        return "On a custom timetable"
    at = f"{int(hour):02d}:{int(minute):02d}"
    if dom == "*" and dow == "*":
        return f"Every day at {at}"
    if dom == "*" and dow in DAYS:
        return f"{DAYS[dow].capitalize()} at {at}"
    if _NUMBER.fullmatch(dom) and dow == "*":
        return f"Day {int(dom)} of every month at {at}"
    return "On a custom timetable"


def describe(schedule: dict[str, Any]) -> str:
    if schedule.get("cron"):
        return describe_cron(str(schedule["cron"]))
    return every(float(schedule.get("interval_s") or 0))


def next_fires(
    *,
    cron: str | None = None,
    interval_s: float | None = None,
    timezone: str = "UTC",
    created_at: float | None = None,
    count: int = 3,
) -> list[float]:
    """The next `count` fire times (after now). Raises ScheduleInvalid for a bad timetable."""
    now = time.time()
    trigger = make_trigger(
        {
            "cron": cron,
            "interval_s": interval_s,
            "timezone": timezone,
            "created_at": now if created_at is None else created_at,
        }
    )
    times: list[float] = []
    previous: datetime | None = None
    cursor = datetime.fromtimestamp(now, UTC)
    while len(times) < count:
        nxt = trigger.get_next_fire_time(previous, cursor)
        if nxt is None:
            break
        times.append(nxt.timestamp())
        previous, cursor = nxt, nxt + timedelta(microseconds=1)
    return times


def next_fire(schedule: dict[str, Any]) -> float | None:
    try:
        fires = next_fires(
            cron=schedule.get("cron"),
            interval_s=schedule.get("interval_s"),
            timezone=str(schedule.get("timezone") or "UTC"),
            created_at=schedule.get("created_at"),
            count=1,
        )
    except ScheduleInvalid:
        return None
    return fires[0] if fires else None


def local_zone() -> str:
    """This computer's time zone (IANA name), or UTC when it cannot be told."""
    try:
        from tzlocal import get_localzone_name  # installed with APScheduler 3

        name = str(get_localzone_name() or "UTC")
    except Exception:
        return "UTC"
    return "UTC" if name in ("Etc/UTC", "Etc/Universal", "Universal", "Zulu") else name


def zone_names() -> list[str]:
    return sorted(available_timezones() | {"UTC"})
