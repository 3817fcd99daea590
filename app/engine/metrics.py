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
# Runs of a status started within [lo, hi): a range of the (status, created_at) index, read
# without touching the table (one range per status and day: cheaper than grouping 100,000
# entries through a temporary b-tree). Test runs, few, are found apart and taken off.
_IN_RANGE = (
    "SELECT count(*) FROM run WHERE status = :status AND created_at >= :lo AND created_at < :hi"
)
_TESTS_SINCE = "SELECT status, created_at FROM run WHERE is_test = 1 AND created_at >= :since"


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


def day_starts(now: float, days: int) -> list[tuple[date, float]]:
    """The last `days` local days, oldest first, each with its local midnight (epoch s)."""
    today = datetime.fromtimestamp(now).date()
    found = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        found.append((day, datetime.combine(day, datetime.min.time()).timestamp()))
    return found


def _per_day(session: Any, now: float) -> list[tuple[str, dict[str, int]]]:
    starts = day_starts(now, DAYS_SHOWN)
    ends = [lo for _, lo in starts[1:]] + [now + 1.0]
    bounds = [(day, lo, hi) for (day, lo), hi in zip(starts, ends, strict=True)]
    tests = session.execute(text(_TESTS_SINCE), {"since": starts[0][1]}).all()
    found = []
    for day, lo, hi in bounds:
        counts: dict[str, int] = {}
        for status in RUN_STATUSES:
            params = {"status": status, "lo": lo, "hi": hi}
            count = int(session.execute(text(_IN_RANGE), params).scalar_one())
            count -= sum(1 for s, at in tests if s == status and lo <= at < hi)
            if count:
                counts[status] = count
        found.append((day.isoformat(), counts))
    return found
