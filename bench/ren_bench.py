"""Ren's side of the benchmark: the same workloads as bench/peers/*, through Ren's real engine.

Every step is durable: each completed step is committed (step row, events, run state) before
its successor starts; foreach items are committed in batches. `--sync full` makes SQLite fsync
every commit (as the peers do by default); `--sync normal` is Ren's default (WAL + NORMAL:
a committed step survives a crash of the process, not a power cut).

    python bench/ren_bench.py chain --steps 20 --runs 200 --sync full
    python bench/ren_bench.py foreach --items 10000 --sync normal

Prints exactly one line `RESULT {json}` on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app import register_function
from app.engine.service import Engine
from app.store.db import Synchronous

now = time.perf_counter


@register_function("bench.add_one")
async def add_one(state: dict[str, Any]) -> dict[str, Any]:
    return {"counter": state.get("counter", 0) + 1}


@register_function("bench.item")
async def item(state: dict[str, Any]) -> dict[str, Any]:
    return {"value": state["item"] + 1}


def chain_doc(steps: int) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "start"}]
    nodes += [
        {"id": f"n{i}", "type": "function", "config": {"function": "bench.add_one"}}
        for i in range(steps)
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {
        "schema": "ren.workflow/1",
        "id": f"chain{steps}",
        "name": "chain",
        "nodes": nodes,
        "edges": edges,
    }


def foreach_doc(concurrency: int) -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "id": "fanout",
        "name": "fanout",
        "nodes": [
            {"id": "start", "type": "start"},
            {
                "id": "each",
                "type": "foreach",
                "config": {"items": "params.items", "concurrency": concurrency},
            },
            {
                "id": "work",
                "parent": "each",
                "type": "function",
                "config": {"function": "bench.item"},
            },
        ],
        "edges": [{"source": "start", "target": "each"}],
    }


def hitl_doc() -> dict[str, Any]:
    step = {"type": "function", "config": {"function": "bench.add_one"}}
    return {
        "schema": "ren.workflow/1",
        "id": "hitl",
        "name": "hitl",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "s1", **step},
            {"id": "s2", **step},
            {"id": "ask", "type": "human_task", "config": {"title": "Go on?"}},
            {"id": "s3", **step},
            {"id": "s4", **step},
        ],
        "edges": [
            {"source": "start", "target": "s1"},
            {"source": "s1", "target": "s2"},
            {"source": "s2", "target": "ask"},
            {"source": "ask", "source_port": "submit", "target": "s3"},
            {"source": "s3", "target": "s4"},
        ],
    }


def rss_kb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return float(line.split()[1])
    return float("nan")


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def chain(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    doc = chain_doc(args.steps)
    engine.import_workflow(doc)
    for _ in range(args.warmup):
        await engine.run(doc["id"], {"counter": 0})
    latencies = []
    c0, t0 = cpu_s(), now()
    for _ in range(args.runs):
        started = now()
        run = await engine.run(doc["id"], {"counter": 0})
        latencies.append(now() - started)
        assert run.output == {"counter": args.steps}, run.output
    wall, cpu = now() - t0, cpu_s() - c0
    commits = await _commits_per_run(engine, doc["id"])
    median = statistics.median(latencies) * 1e3
    latencies.sort()
    return {
        "run_ms_median": median,
        "run_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] * 1e3,
        "per_step_ms": median / args.steps,
        "runs_per_s": args.runs / wall,
        "cpu_ms_per_run": cpu / args.runs * 1e3,
        "durable_steps_per_run": args.steps + 1,  # the start node is a recorded step too
        "commits_per_run": commits,  # creation (with the start node) + one per step
    }


class Commits:
    """Counts COMMITs on the engine's writer connection (SQLite's trace callback), as the peers'
    scripts count theirs."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        engine.store._conn.set_trace_callback(self)  # the bench looks inside on purpose

    def __call__(self, sql: str) -> None:
        if sql.lstrip()[:6].upper() in ("COMMIT", "END"):
            self.count += 1


async def _commits_per_run(engine: Engine, workflow_id: str, runs: int = 20) -> float:
    """COMMITs while `runs` runs go one after the other, per run."""
    counter = Commits(engine)
    for _ in range(runs):
        await engine.run(workflow_id, {"counter": 0})
    engine.journal.flush()
    return counter.count / runs


def commit_each_item(engine: Engine) -> None:
    """Equal conditions with the peers: every foreach item committed on its own, at once,
    instead of Ren's batches (`Journal.stage` queues an item; here each one is flushed)."""
    stage = engine.journal.stage

    def stage_and_commit(run: Any, batch: Any) -> None:
        stage(run, batch)
        engine.journal.flush()

    engine.journal.stage = stage_and_commit  # type: ignore[method-assign]


async def foreach(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    doc = foreach_doc(args.concurrency)
    engine.import_workflow(doc)
    await engine.run(doc["id"], {"items": list(range(100))})  # warm-up
    if args.each_item:
        commit_each_item(engine)
    items = list(range(args.items))
    counter = Commits(engine)
    c0, t0 = cpu_s(), now()
    run = await engine.run(doc["id"], {"items": items})
    wall, cpu = now() - t0, cpu_s() - c0
    assert run.status == "succeeded", run.error
    assert run.output["count"] == args.items
    recorded = sum(1 for s in engine.steps(run.id) if s.node_id == "work")
    assert recorded == args.items, recorded
    return {
        "items_per_s": args.items / wall,
        "total_s": wall,
        "cpu_s": cpu,
        "item_steps_recorded": recorded,
        "concurrency": args.concurrency,
        "commits": counter.count,
        "commits_per_item": counter.count / args.items,
    }


async def park(engine: Engine, count: int, batch: int = 500) -> list[str]:
    """Start `count` runs (in concurrent batches) and return once all of them sleep."""
    run_ids: list[str] = []
    for first in range(0, count, batch):
        size = min(batch, count - first)
        started = await asyncio.gather(
            *[engine.start_run("hitl", {"counter": 0}) for _ in range(size)]
        )
        await asyncio.gather(*[engine.wait(r) for r in started])
        run_ids += started
    return run_ids


async def hitl(engine: Engine, args: argparse.Namespace) -> dict[str, Any]:
    import threading

    engine.import_workflow(hitl_doc())
    warm = await park(engine, 20)
    for task in engine.tasks.open_tasks():
        engine.tasks.complete(task["id"], "submit", {})
    for run_id in warm:
        await engine.wait(run_id)
    engine.logs.drain()
    gc.collect()
    rss_before, tasks_before = rss_kb(), len(asyncio.all_tasks())

    t0 = now()
    run_ids = await park(engine, args.park, args.park_batch)
    park_s = now() - t0
    engine.logs.drain()  # the run logs are written in the background: let that finish first
    gc.collect()
    rss_parked = rss_kb()

    statuses = {engine.get_run(r).status for r in run_ids[:: max(1, len(run_ids) // 50)]}
    assert statuses == {"waiting"}, statuses
    tasks_parked = len(asyncio.all_tasks()) - tasks_before
    threads = threading.active_count()
    c0 = cpu_s()
    await asyncio.sleep(args.idle_window)
    idle_cpu = (cpu_s() - c0) / args.idle_window * 100
    open_tasks = engine.tasks.open_tasks()
    t0 = now()
    if args.park_batch == 1:  # one at a time, as the peers resume: answer, wait for the end
        for task in open_tasks:
            await engine.wait(engine.tasks.complete(task["id"], "submit", {}))
    else:  # answer every task, then wait for the runs (they go on side by side)
        for task in open_tasks:
            engine.tasks.complete(task["id"], "submit", {})
        for run_id in run_ids:
            await engine.wait(run_id)
    resume_s = now() - t0
    done = sum(
        1 for r in run_ids[:: max(1, len(run_ids) // 50)] if engine.get_run(r).status == "succeeded"
    )
    latencies = []
    for _ in range(args.latency_runs):
        (run_id,) = await park(engine, 1)
        (task,) = engine.tasks.open_tasks()
        started = now()
        engine.tasks.complete(task["id"], "submit", {})
        run = await engine.wait(run_id)
        latencies.append(now() - started)
        assert run.status == "succeeded", run.status
    latencies.sort()
    return {
        "parked": len(run_ids),
        "park_batch": args.park_batch,
        "park_per_s": len(run_ids) / park_s,
        "rss_mb_before": rss_before / 1024,
        "rss_mb_parked": rss_parked / 1024,
        "kb_per_parked_run": (rss_parked - rss_before) / len(run_ids),
        "asyncio_tasks_parked": tasks_parked,
        "threads_parked": threads,
        "idle_cpu_pct_parked": idle_cpu,
        "resume_all_per_s": len(open_tasks) / resume_s,
        "resumed_sampled_succeeded": done,
        "resume_to_done_ms_median": statistics.median(latencies) * 1e3,
        "resume_to_done_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] * 1e3,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    sync: Synchronous = "FULL" if args.sync == "full" else "NORMAL"
    with tempfile.TemporaryDirectory(prefix="ren-bench-") as home:
        engine = Engine(Path(home), synchronous=sync)
        await engine.start(recover=False)
        try:
            gc.collect()
            work = {"chain": chain, "foreach": foreach, "hitl": hitl}[args.workload]
            figures = await work(engine, args)
        finally:
            await engine.stop()
    return {
        "system": "ren",
        "workload": args.workload,
        "sync": args.sync,
        "mode": f"sync={args.sync}",
        **figures,
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="workload", required=True)
    chain_p = sub.add_parser("chain")
    chain_p.add_argument("--steps", type=int, default=20)
    chain_p.add_argument("--runs", type=int, default=200)
    chain_p.add_argument("--warmup", type=int, default=10)
    each_p = sub.add_parser("foreach")
    each_p.add_argument("--items", type=int, default=10_000)
    each_p.add_argument("--concurrency", type=int, default=8)
    each_p.add_argument(
        "--each-item", action="store_true", help="commit every item on its own (as the peers)"
    )
    hitl_p = sub.add_parser("hitl")
    hitl_p.add_argument("--park", type=int, default=1000)
    hitl_p.add_argument(
        "--park-batch", type=int, default=500, help="runs started together; 1: one at a time"
    )
    hitl_p.add_argument("--latency-runs", type=int, default=20)
    hitl_p.add_argument("--idle-window", type=float, default=5.0)
    for p in (chain_p, each_p, hitl_p):
        p.add_argument("--sync", choices=["normal", "full"], default="normal")
        p.add_argument("--budget", type=float, default=300)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    stdout = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # only the RESULT line reaches stdout
    result = asyncio.run(main_async(args))
    result["python"] = sys.version.split()[0]
    stdout.write("RESULT " + json.dumps(result) + "\n")
    stdout.flush()


if __name__ == "__main__":
    main()
