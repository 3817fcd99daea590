"""How the inbox and the task page say who a task is for, how long it has waited and when it is
due — in plain words, for someone who has never seen a workflow."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from app.core.forms import FormField

MINUTE, HOUR, DAY = 60, 3600, 86400


def _amount(seconds: float) -> str:
    """'1 minute', '5 minutes', '3 hours', '2 days', '5 weeks': the nearest whole amount of the
    largest unit that fits (47 h 59 min is '2 days', 25 h is '1 day')."""
    for size, unit, from_s in (
        (7 * DAY, "week", 14 * DAY),
        (DAY, "day", DAY - HOUR / 2),
        (HOUR, "hour", HOUR - MINUTE / 2),
    ):
        if seconds >= from_s:
            n = max(1, round(seconds / size))
            return f"{n} {unit}{'' if n == 1 else 's'}"
    n = max(1, round(seconds / MINUTE))
    return f"{n} minute{'' if n == 1 else 's'}"


def who_for(task: dict[str, Any]) -> str:
    """'For maria', 'For anyone in finance', 'For anyone'."""
    assignee, group = task.get("assignee"), task.get("assignee_group")
    if assignee and group:
        return f"For {assignee} ({group})"
    if assignee:
        return f"For {assignee}"
    if group:
        return f"For anyone in {group}"
    return "For anyone"


def waiting_for(created_at: float, now: float | None = None) -> str:
    """'Arrived just now', 'Waiting 5 minutes', 'Waiting 2 days'."""
    seconds = (time.time() if now is None else now) - created_at
    if seconds < MINUTE:
        return "Arrived just now"
    return f"Waiting {_amount(seconds)}"


def clock(ts: float, now: float | None = None) -> str:
    """A local time people read at a glance: 'today 17:00', 'tomorrow 09:30', 'Thu 14 Mar 10:30'
    (with the year when it is not this year)."""
    then = datetime.fromtimestamp(ts)
    today = datetime.fromtimestamp(time.time() if now is None else now).date()
    days = (then.date() - today).days
    hm = then.strftime("%H:%M")
    if days == 0:
        return f"today {hm}"
    if days == 1:
        return f"tomorrow {hm}"
    if days == -1:
        return f"yesterday {hm}"
    year = "" if then.year == today.year else f" {then.year}"
    return f"{then:%a} {then.day} {then:%b}{year} {hm}"


def due_text(due_at: float | None, now: float | None = None) -> tuple[str, bool]:
    """('Due in 2 days · Thu 14 Mar 10:30', False), ('Overdue by 3 hours', True), or
    ('No due date', False)."""
    if due_at is None:
        return "No due date", False
    now = time.time() if now is None else now
    left = due_at - now
    if left < 0:
        return f"Overdue by {_amount(-left)}", True
    return f"Due in {_amount(left)} · {clock(due_at, now)}", False


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def field_hints(field: FormField) -> list[str]:
    """What a field accepts, as short hints under it ('Between 1 and 10', 'Example: ...')."""
    hints: list[str] = []
    low, high = field.min, field.max
    if field.type in ("number", "integer"):
        whole = "A whole number" if field.type == "integer" else ""
        if low is not None and high is not None:
            hints.append(f"{whole or 'A number'} between {_num(low)} and {_num(high)}")
        elif low is not None:
            hints.append(f"{whole or 'A number'} of at least {_num(low)}")
        elif high is not None:
            hints.append(f"{whole or 'A number'} of at most {_num(high)}")
        elif whole:
            hints.append(whole)
    elif field.type in ("text", "long_text"):
        if low is not None and high is not None:
            hints.append(f"{_num(low)} to {_num(high)} characters")
        elif low is not None:
            hints.append(f"At least {plural(int(low), 'character')}")
        elif high is not None:
            hints.append(f"Up to {plural(int(high), 'character')}")
    elif field.type == "multi_choice":
        if low is not None and high is not None and low == high:
            hints.append(f"Choose {_num(low)}")
        elif low is not None and high is not None:
            hints.append(f"Choose {_num(low)} to {_num(high)}")
        elif low is not None:
            hints.append(f"Choose at least {_num(low)}")
        elif high is not None:
            hints.append(f"Choose up to {_num(high)}")
    if field.min_date and field.max_date:
        hints.append(f"Between {field.min_date} and {field.max_date}")
    elif field.min_date:
        hints.append(f"On or after {field.min_date}")
    elif field.max_date:
        hints.append(f"On or before {field.max_date}")
    if field.pattern:
        example = f"for example {field.placeholder}" if field.placeholder else field.pattern
        hints.append(f"Expected format: {example}")
    return hints


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
