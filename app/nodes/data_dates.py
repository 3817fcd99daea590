"""Date and time arithmetic for the date_time node: parsing, formats, calendar steps, zones.

Pure functions on aware datetimes; the node (app.nodes.data_datetime) renders the config and
puts the result in its output. Errors are `DataError`s that show the value and the format.
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.nodes.data_paths import DataError, kind_of

Unit = Literal["seconds", "minutes", "hours", "days", "weeks", "months", "years"]

SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
# strftime/strptime directives that work the same everywhere Python runs
_DIRECTIVES = frozenset("aAwdbBmyYHIpMSfzZjUWcxXGuV%")
_DIRECTIVE = re.compile(r"%(.?)")


def zone_problem(name: str) -> str | None:
    """Why `name` is not a time zone, or None."""
    try:
        zone(name)
    except DataError as err:
        return str(err)
    return None


def zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DataError(
            f"unknown time zone '{name}' (use an IANA name, e.g. Europe/Paris)"
        ) from None


def format_problem(fmt: str) -> str | None:
    """Why `fmt` is not a usable strftime/strptime format, or None."""
    if not fmt:
        return None
    directives = _DIRECTIVE.findall(fmt)
    if not directives:
        return f"'{fmt}' has no % directives: write e.g. %Y-%m-%d %H:%M for 2026-12-06 10:30"
    for letter in directives:
        if letter == "":
            return f"'{fmt}' ends with a lone %"
        if letter not in _DIRECTIVES:
            return f"'{fmt}' has the unknown directive %{letter}"
    return None


def parse(value: Any, fmt: str, default_zone: tzinfo) -> datetime:
    """A date from ISO 8601 text, Unix seconds (a number) or text in `fmt`; a date without a
    zone is in `default_zone`."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise DataError(f"{value} is not a time in Unix seconds") from None
    if not isinstance(value, str):
        raise DataError(f"the date is {kind_of(value)}, not text or a number")
    text = value.strip()
    try:
        parsed = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
    except ValueError:
        expected = f"the format '{fmt}'" if fmt else "ISO 8601 (e.g. 2026-12-06T10:30:00Z)"
        raise DataError(f"'{_short(value)}' is not a date in {expected}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=default_zone)


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def render(moment: datetime, fmt: str) -> str:
    """ISO 8601 without a format, else the formatted text."""
    return moment.strftime(fmt) if fmt else moment.isoformat()


def add_months(moment: datetime, months: int) -> datetime:
    """Calendar months: Jan 31 + 1 month is Feb 28 (or 29)."""
    year, month0 = divmod(moment.month - 1 + months, 12)
    year += moment.year
    if not 1 <= year <= 9999:
        raise DataError("the result is outside the years 1 to 9999")
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def shift(moment: datetime, amount: int | float, unit: Unit) -> datetime:
    """`moment` moved by `amount` units: seconds to hours in elapsed time, days and weeks on
    the wall clock (a day is a calendar day across a DST change), months and years on the
    calendar."""
    try:
        if unit in ("months", "years"):
            if not float(amount).is_integer():
                raise DataError(f"{amount} {unit}: months and years must be whole numbers")
            return add_months(moment, int(amount) * (12 if unit == "years" else 1))
        step = timedelta(seconds=amount * SECONDS[unit])
        if unit in ("days", "weeks"):
            naive = moment.replace(tzinfo=None) + step
            return naive.replace(tzinfo=moment.tzinfo)
        return (moment.astimezone(UTC) + step).astimezone(moment.tzinfo)
    except OverflowError:
        raise DataError("the result is outside the years 1 to 9999") from None


def _whole_months(start: datetime, end: datetime) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    # not a whole month yet when the end's day and time are before the start's
    if months > 0 and add_months(start, months) > end:
        months -= 1
    elif months < 0 and add_months(start, months) < end:
        months += 1
    return months


def difference(start: datetime, end: datetime, unit: Unit) -> int | float:
    """end - start in `unit` (whole months and years; an int when it is whole)."""
    if unit in ("months", "years"):
        months = _whole_months(start, end)
        return months if unit == "months" else int(months / 12)
    if unit in ("days", "weeks"):  # on the wall clock of the start's zone, as `shift` adds
        elapsed = end.astimezone(start.tzinfo).replace(tzinfo=None) - start.replace(tzinfo=None)
    else:
        elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    amount = elapsed.total_seconds() / SECONDS[unit]
    return int(amount) if amount.is_integer() else amount
