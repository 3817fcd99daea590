"""Metrics and retention at scale: 100,000 runs with 3 steps and 4 events each.

    python bench/retention_bench.py                 # 100,000 runs, purge 10,000 of them
    python bench/retention_bench.py --runs 20000 --purge 2000

Rows are written straight through the store's batch writes (the newest 10,000 runs waiting,
the rest finished with durations of 0-10 s over ten workflows). Then:
- the metrics (every figure of /metrics and the Settings card) are collected and rendered as
  Prometheus text (median of 7, ms);
- the oldest `--purge` runs are deleted by `ren runs purge`'s code path (transactions of 200
  runs, each run's rows in every table, then the log clean-up), timed as a whole and per
  transaction (how long the engine's writer could have to wait).
Prints one line `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timing import median_ms  # bench/timing.py, next to this script

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


now = time.perf_counter

WORKFLOWS = 10
STATUSES = ("succeeded", "succeeded", "succeeded", "failed", "canceled", "succeeded")


def flow(index: int) -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "id": f"wf{index}",
        "name": f"Workflow {index}",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "work", "type": "set", "config": {"values": {"done": True}}},
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "start", "target": "work"}, {"source": "work", "target": "end"}],
    }


async def fill(engine: Any, runs: int, waiting: int) -> None:
    from app.store.writes import Batch
    from tests.bulk_rows import add_run, publish_all

    versions = publish_all(engine, (flow(i) for i in range(WORKFLOWS)))
    start = time.time() - runs
    for first in range(0, runs, 10_000):
        batch = Batch()
        for n in range(first, min(first + 10_000, runs)):
            at = start + n
            run_id = f"run-{n:07d}"
            status = "waiting" if n >= runs - waiting else STATUSES[n % len(STATUSES)]
            add_run(batch, run_id, versions[n % WORKFLOWS], status, at, "{}")
            for seq, node in enumerate(("start", "work", "end"), 1):
                batch.step(run_id, node, node, 1, "failed" if status == "failed" and seq == 2
                           else "succeeded", input_json="{}", output_json="{}", error=None,
                           ports=("out",), started_at=at, finished_at=at)  # fmt: skip
                batch.event(run_id, seq, "step.completed", node, {"node_id": node}, at)
            batch.event(run_id, 4, "run.finished", None, {"status": status}, at)
        engine.store.write(batch)
    engine.store.write_raw(
        "UPDATE run SET finished_at = started_at + (abs(random()) % 10000) / 1000.0"
        " WHERE status IN ('succeeded', 'failed', 'canceled')"
    )


def ms(fn: Callable[[], object]) -> float:
    """Median of 7 calls, in ms to two decimals."""
    return round(median_ms(fn, 7), 2)


def parts(store: Any) -> dict[str, float]:
    """Each query of the metrics on its own (median of 7, ms)."""
    from sqlalchemy import text

    from app.engine import metrics as m

    at = time.time()
    queries = {
        "runs_by_status": (m._RUNS, {}),
        "steps_by_status": (m._STEPS, {}),
        "open_tasks": (m._OPEN_TASKS, {}),
        "durations_one_workflow": (m._DURATIONS, {"workflow": "wf1", "since": at - 7 * 86_400}),
    }
    found = {}
    with store.session() as session:
        found["per_day_all"] = ms(lambda: m._per_day(session, at))
        for name, (sql, params) in queries.items():
            found[name] = ms(lambda sql=sql, params=params: session.execute(
                text(sql), params).all())  # fmt: skip
    return found


async def main(runs: int, purge: int) -> dict[str, Any]:
    from app.engine.metrics import collect
    from app.engine.metrics_text import render
    from app.engine.retention import PurgeRequest
    from app.engine.service import Engine

    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(Path(folder))
        await engine.start(recover=False)
        try:
            started = now()
            await fill(engine, runs, min(10_000, runs // 10))
            fill_s = now() - started
            result: dict[str, Any] = {"runs": runs, "fill_s": round(fill_s, 1)}
            result["metrics_ms"] = ms(lambda: collect(engine.store))
            result["parts_ms"] = parts(engine.store)
            result["metrics_text_ms"] = ms(lambda: render(collect(engine.store)))
            figures = collect(engine.store)
            result["steps"] = sum(figures.steps.values())
            before = time.time() - runs + purge  # the oldest `purge` runs
            started = now()
            done = await asyncio.to_thread(engine.retention.purge, PurgeRequest(before))
            took = now() - started
            result["purged"] = done.deleted
            result["purge_s"] = round(took, 2)
            result["purge_runs_per_s"] = round(done.deleted / took)
            result["ms_per_200_run_transaction"] = round(took * 1000 / max(done.batches, 1), 1)
            result["metrics_after_purge_ms"] = ms(lambda: collect(engine.store))
        finally:
            await engine.stop()
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--purge", type=int, default=10_000)
    args = parser.parse_args()
    print("RESULT " + json.dumps(asyncio.run(main(args.runs, args.purge))))
