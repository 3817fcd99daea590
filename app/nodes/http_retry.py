"""When to try an HTTP request again, and how long to wait first."""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """Seconds a `Retry-After` header asks for (a number of seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_s(attempt: int, base_s: float, retry_after: float | None, cap_s: float) -> float:
    """The wait before retry number `attempt` (1, 2, …): Retry-After if given, else
    exponential backoff; never more than `cap_s`."""
    wanted = retry_after if retry_after is not None else base_s * 2 ** (attempt - 1)
    return min(wanted, cap_s)
