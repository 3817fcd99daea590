"""Monitoring figures, computed with SQL aggregates on a reader connection (call on a thread).

- runs and steps by status (test runs from the editor left out), from status indexes;
- run durations per workflow (p50, p95, count, sum) over its newest DURATION_SAMPLE ended
  runs created in the last DURATION_WINDOW_S, from its (workflow_id, created_at) index;
- queue depth: runs waiting (on a person, a timer or a signal) and open human tasks;
- runs started per day and status over the last DAYS_SHOWN days (the Settings chart), from
  the (status, created_at) index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import text

DURATION_WINDOW_S = 7 * 86_400.0
DURATION_SAMPLE = 1000  # the newest ended runs per workflow that durations are taken from
DAYS_SHOWN = 14
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
RUN_STATUSES = ("pending", "running", "waiting", "paused", "succeeded", "failed", "canceled")
STEP_STATUSES = ("succeeded", "failed", "skipped")

_RUNS = "SELECT status, count(*) FROM run WHERE is_test IS NOT 1 GROUP BY status"
_STEPS = "SELECT status, count(*) FROM step GROUP BY status"
_OPEN_TASKS = "SELECT count(*) FROM task WHERE status = 'open'"
_WORKFLOWS = "SELECT id FROM workflow"
# A workflow's newest ended runs in the window, walking its (workflow_id, created_at) index.
_DURATIONS = f"""
SELECT finished_at - coalesce(started_at, created_at) FROM run
WHERE workflow_id = :workflow AND created_at >= :since AND status IN ('succeeded', 'failed')
AND finished_at IS NOT NULL AND is_test IS NOT 1
ORDER BY created_at DESC LIMIT {DURATION_SAMPLE}
"""
# Runs per (status, day) from the (status, created_at) index alone; `day` counts days since
# the epoch in local time (the offset of today: a daylight-saving change within the window
# moves runs near midnight by an hour). Test runs, counted apart, are taken off.
_STATUS_LIST = ", ".join(f"'{s}'" for s in RUN_STATUSES)
_PER_DAY = f"""
SELECT status, CAST((created_at + :offset) / 86400 AS INTEGER) AS day, count(*) FROM run
WHERE status IN ({_STATUS_LIST}) AND created_at >= :since GROUP BY status, day
"""
_TEST_PER_DAY = """
SELECT status, CAST((created_at + :offset) / 86400 AS INTEGER) AS day, count(*) FROM run
WHERE is_test = 1 AND created_at >= :since GROUP BY status, day
"""


class Reader(Protocol):
    def session(self) -> Any: ...


@dataclass(frozen=True)
class Durations:
    p50: float
    p95: float
    count: int
    total: float


@dataclass
class Metrics:
    runs: dict[str, int] = field(default_factory=dict)  # by status, every status present
    steps: dict[str, int] = field(default_factory=dict)
    durations: dict[str, Durations] = field(default_factory=dict)  # by workflow id
    open_tasks: int = 0
    per_day: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    at: float = 0.0

    @property
    def waiting_runs(self) -> int:
        return self.runs.get("waiting", 0)


def collect(store: Reader, now: float | None = None) -> Metrics:
    """Every figure, read in one read transaction (a consistent snapshot)."""
    now = time.time() if now is None else now
    found = Metrics(at=now)
    with store.session() as session:
        run_counts = dict(session.execute(text(_RUNS)).all())
        found.runs = {s: int(run_counts.pop(s, 0)) for s in RUN_STATUSES}
        found.runs.update({str(s): int(n) for s, n in run_counts.items()})  # any other status
        step_counts = dict(session.execute(text(_STEPS)).all())
        found.steps = {s: int(step_counts.pop(s, 0)) for s in STEP_STATUSES}
        found.steps.update({str(s): int(n) for s, n in step_counts.items()})
        found.open_tasks = int(session.execute(text(_OPEN_TASKS)).scalar_one())
        since = now - DURATION_WINDOW_S
        workflows = session.execute(text(_WORKFLOWS)).scalars().all()
        for workflow_id in workflows:
            values = session.execute(
                text(_DURATIONS), {"workflow": workflow_id, "since": since}
            ).scalars()
            durations = sorted(float(v) for v in values)
            if durations:
                found.durations[str(workflow_id)] = summarize(durations)
        found.per_day = _per_day(session, now)
    return found


class MetricsCache:
    """The latest figures for `ttl_s` seconds: a scraper polling /metrics every few seconds
    costs one collection per period, whatever the number of scrapers."""

    def __init__(self, ttl_s: float = 5.0) -> None:
        self.ttl_s = ttl_s
        self._last: Metrics | None = None

    def get(self, store: Reader) -> Metrics:
        """Call on a worker thread (it may collect)."""
        last = self._last
        if last is None or time.time() - last.at > self.ttl_s:
            last = self._last = collect(store)
        return last


def nearest_rank(percent: int, n: int) -> int:
    """The rank (1-based, ascending) of the `percent`th percentile of n values: ceil(p·n/100),
    the smallest value with at least p% of the values at or below it."""
    return max(1, (n * percent + 99) // 100)


def summarize(ascending: list[float]) -> Durations:
    n = len(ascending)
    return Durations(
        ascending[nearest_rank(50, n) - 1], ascending[nearest_rank(95, n) - 1], n, sum(ascending)
    )


def _per_day(session: Any, now: float) -> list[tuple[str, dict[str, int]]]:
    offset = datetime.fromtimestamp(now).astimezone().utcoffset() or timedelta()
    params = {"offset": offset.total_seconds(), "since": now - DAYS_SHOWN * 86_400.0}
    counts: dict[int, dict[str, int]] = {}
    for status, day, count in session.execute(text(_PER_DAY), params):
        counts.setdefault(int(day), {})[status] = int(count)
    for status, day, count in session.execute(text(_TEST_PER_DAY), params):
        if status in counts.get(int(day), {}):
            counts[int(day)][status] -= int(count)
    return [
        (date.fromordinal(EPOCH_ORDINAL + day).isoformat(), {s: n for s, n in by.items() if n})
        for day, by in sorted(counts.items())
    ]
