"""Monitoring figures, computed with SQL aggregates on a reader connection (call on a thread).

- runs and steps by status (test runs from the editor left out), from status indexes;
- run durations per workflow (p50, p95, count, sum) over the runs created in the last
  DURATION_WINDOW_S, from the (created_at) index and one sort per workflow's window;
- queue depth: runs waiting (on a person, a timer or a signal) and open human tasks;
- runs started per day and status over the last DAYS_SHOWN days (the Settings chart).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import text

DURATION_WINDOW_S = 7 * 86_400.0
DAYS_SHOWN = 14
RUN_STATUSES = ("pending", "running", "waiting", "paused", "succeeded", "failed", "canceled")
STEP_STATUSES = ("succeeded", "failed", "skipped")

_RUNS = "SELECT status, count(*) FROM run WHERE is_test = 0 GROUP BY status"
_STEPS = "SELECT status, count(*) FROM step GROUP BY status"
_OPEN_TASKS = "SELECT count(*) FROM task WHERE status = 'open'"
# Each workflow's durations in the window, ranked; the rows at the 50th and 95th percentile
# (nearest rank: the smallest value with at least p% of the values at or below it) are kept,
# with the window's count and sum.
_DURATIONS = """
SELECT workflow_id, rank, n, total, d FROM (
    SELECT workflow_id, d,
           ROW_NUMBER() OVER (PARTITION BY workflow_id ORDER BY d) AS rank,
           COUNT(*) OVER (PARTITION BY workflow_id) AS n,
           SUM(d) OVER (PARTITION BY workflow_id) AS total
    FROM (SELECT workflow_id, finished_at - coalesce(started_at, created_at) AS d FROM run
          WHERE created_at >= :since AND is_test = 0 AND finished_at IS NOT NULL
          AND status IN ('succeeded', 'failed'))
) WHERE rank = max(1, (n * 50 + 99) / 100) OR rank = max(1, (n * 95 + 99) / 100)
"""
_PER_DAY = """
SELECT date(created_at, 'unixepoch', 'localtime') AS day, status, count(*) FROM run
WHERE created_at >= :since AND is_test = 0 GROUP BY day, status ORDER BY day
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
        rows = session.execute(text(_DURATIONS), {"since": since}).all()
        found.durations = _durations(rows)
        day_since = now - DAYS_SHOWN * 86_400.0
        per_day: dict[str, dict[str, int]] = {}
        for day, status, count in session.execute(text(_PER_DAY), {"since": day_since}):
            per_day.setdefault(day, {})[status] = int(count)
        found.per_day = list(per_day.items())
    return found


def nearest_rank(percent: int, n: int) -> int:
    """The rank (1-based, ascending) of the `percent`th percentile of n values: ceil(p·n/100),
    in integers as the SQL computes it."""
    return max(1, (n * percent + 99) // 100)


def _durations(rows: list[Any]) -> dict[str, Durations]:
    picked: dict[str, dict[str, Any]] = {}
    for workflow_id, rank, n, total, value in rows:
        entry = picked.setdefault(workflow_id, {"n": int(n), "total": float(total)})
        if rank == nearest_rank(50, n):
            entry["p50"] = float(value)
        if rank == nearest_rank(95, n):
            entry["p95"] = float(value)
    return {
        wid: Durations(e["p50"], e["p95"], e["n"], e["total"]) for wid, e in sorted(picked.items())
    }
