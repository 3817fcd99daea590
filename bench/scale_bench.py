"""Ren where users grow: big workflows, many waiting runs, many finished runs, cold start.

    python bench/scale_bench.py validate --nodes 1000 10000 100000
    python bench/scale_bench.py restart --waiting 100000   # start-up over 100,000 waiting runs
    python bench/scale_bench.py disk --runs 10000          # disk per finished 3-step run
    python bench/scale_bench.py coldstart --repeat 10      # `ren --help`, `ren validate FILE`

Ren's own figures (no peer does these the same way). Each prints one line `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
now = time.perf_counter


# -- validate -------------------------------------------------------------------------------


def big_workflow(nodes: int) -> dict[str, Any]:
    """A workflow of about `nodes` nodes: blocks of an `if` whose branches (`set`, `log`) join
    at a `merge`, and every tenth block a `foreach` whose body is one `set`."""
    out: list[dict[str, Any]] = [{"id": "start", "type": "start"}]
    edges: list[dict[str, Any]] = []
    last = "start"

    def link(source: str, target: str, port: str = "out") -> None:
        edges.append(
            {"id": f"e{len(edges)}", "source": source, "source_port": port, "target": target}
        )

    block = 0
    while len(out) < nodes - 1:
        b = f"b{block}"
        if block % 10 == 9:
            out.append({"id": f"{b}loop", "type": "foreach", "config": {"items": "input.items"}})
            out.append(
                {"id": f"{b}body", "type": "set", "parent": f"{b}loop", "config": {"values": {}}}
            )
            link(last, f"{b}loop")
            last = f"{b}loop"
        else:
            out.append({"id": f"{b}if", "type": "if", "config": {"condition": {"var": "ok"}}})
            out.append({"id": f"{b}yes", "type": "set", "config": {"values": {"x": 1}}})
            out.append({"id": f"{b}no", "type": "log", "config": {"message": "no"}})
            out.append({"id": f"{b}join", "type": "merge", "config": {}})
            link(last, f"{b}if")
            link(f"{b}if", f"{b}yes", "true")
            link(f"{b}if", f"{b}no", "false")
            link(f"{b}yes", f"{b}join")
            link(f"{b}no", f"{b}join")
            last = f"{b}join"
        block += 1
    out.append({"id": "end", "type": "end"})
    link(last, "end")
    return {"schema": "ren.workflow/1", "id": "big", "name": "big", "nodes": out, "edges": edges}


def validate(args: argparse.Namespace) -> dict[str, Any]:
    from app.core.dsl import WorkflowSpec
    from app.core.validate import validate as check
    from app.nodes.catalog import default_catalog
    from app.nodes.functions import REGISTRY

    catalog = default_catalog()
    figures: dict[str, Any] = {}
    for size in args.nodes:
        spec = WorkflowSpec.model_validate(big_workflow(size))
        times = []
        for _ in range(args.repeat):
            started = now()
            problems = check(spec, catalog, REGISTRY)
            times.append(now() - started)
            assert problems == [], problems[:3]
        figures[f"validate_{size}_s"] = statistics.median(times)
    return figures


# -- restart over many waiting runs ---------------------------------------------------------


def waiting_docs() -> list[dict[str, Any]]:
    """Two workflows that park: one on a person's task, one on a timer a day away."""
    ask = {"id": "ask", "type": "human_task", "config": {"title": "Go on?"}}
    sleep = {"id": "sleep", "type": "wait", "config": {"mode": "duration", "seconds": 86400}}
    return [
        {
            "schema": "ren.workflow/1",
            "id": node["id"],
            "name": node["id"],
            "nodes": [{"id": "start", "type": "start"}, node, {"id": "end", "type": "end"}],
            "edges": [
                {"source": "start", "target": node["id"]},
                {"source": node["id"], "source_port": "submit", "target": "end"}
                if node["id"] == "ask"
                else {"source": node["id"], "target": "end"},
            ],
        }
        for node in (ask, sleep)
    ]


async def park(home: Path, workflow: str, runs: int) -> None:
    """`runs` real runs of `workflow` (`ask`: a person's task; `sleep`: a timer) through Ren's
    engine, each left waiting."""
    from app.engine.service import Engine

    engine = Engine(home)
    await engine.start(recover=False)
    try:
        for doc in waiting_docs():
            engine.import_workflow(doc)
        for first in range(0, runs, 500):
            size = min(500, runs - first)
            started = await asyncio.gather(*[engine.start_run(workflow, {}) for _ in range(size)])
            await asyncio.gather(*[engine.wait(r) for r in started])
    finally:
        await engine.stop()


def clone_runs(db: Path, copies: int) -> None:
    """Copy every run (and its steps, events, waits, tasks, timers) `copies` - 1 more times with
    new ids: a folder of many waiting runs in seconds instead of minutes."""
    conn = sqlite3.connect(db)
    renamed = {"id", "run_id", "wait_id"}
    with conn:
        for table in ("run", "step", "event", "wait", "task", "timer"):
            columns = [(row[1], row[2]) for row in conn.execute(f"PRAGMA table_info({table})")]
            names, values = [], []
            for name, kind in columns:
                if name == "id" and kind.upper() == "INTEGER":
                    continue  # a row id: SQLite numbers the copies
                names.append(f'"{name}"')
                if name in renamed:
                    values.append(f"t.\"{name}\" || '-' || n.c")
                elif name == "idempotency_key":
                    values.append("NULL")
                else:
                    values.append(f't."{name}"')
            conn.execute(
                f"INSERT INTO {table} ({', '.join(names)})"
                " WITH RECURSIVE n(c) AS (SELECT 1 UNION ALL SELECT c + 1 FROM n WHERE c < ?)"
                f" SELECT {', '.join(values)} FROM {table} AS t, n",
                (copies - 1,),
            )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def start_once(home: str) -> dict[str, float]:
    """In this process: open the folder and start the engine with recovery; time both."""
    from app.engine.service import Engine

    async def go() -> dict[str, float]:
        started = now()
        engine = Engine(home)
        opened = now()
        await engine.start()
        ready = now()
        try:
            return {
                "open_s": opened - started,
                "start_s": ready - opened,
                "total_s": ready - started,
                "timers_armed": float(len(engine.alarms.jobs())),
            }
        finally:
            await engine.stop()

    return asyncio.run(go())


def start_in_child(home: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "start-once", str(home)],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    figures: dict[str, float] = json.loads(line[len("RESULT ") :])
    return figures


def restart(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ren-scale-") as tmp:
        empty = Path(tmp) / "empty"
        empty.mkdir()
        base = statistics.median(start_in_child(empty)["total_s"] for _ in range(args.repeat))
        figures["empty_start_s"] = base
        for name, workflow, count in (
            ("tasks", "ask", args.waiting),
            ("timers", "sleep", args.timers),
        ):
            if count == 0:
                continue
            home = Path(tmp) / name
            seed = min(args.seed, count)
            asyncio.run(park(home, workflow, seed))
            clone_runs(home / "ren.sqlite", count // seed)
            conn = sqlite3.connect(home / "ren.sqlite")
            waiting = conn.execute("SELECT count(*) FROM run WHERE status='waiting'").fetchone()
            conn.close()
            loaded = [start_in_child(home) for _ in range(args.repeat)]
            total = statistics.median(x["total_s"] for x in loaded)
            figures[f"{name}_waiting_runs"] = waiting[0]
            figures[f"{name}_timers_armed"] = loaded[-1]["timers_armed"]
            figures[f"{name}_start_s"] = total
            figures[f"{name}_over_empty_s"] = total - base
            shutil.rmtree(home)
    return figures


# -- disk per finished run ------------------------------------------------------------------


def three_steps() -> dict[str, Any]:
    step = {"type": "set", "config": {"values": {"n": "{{ input.n + 1 }}"}}}
    nodes = [{"id": "start", "type": "start"}] + [{"id": f"s{i}", **step} for i in (1, 2, 3)]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {
        "schema": "ren.workflow/1",
        "id": "three",
        "name": "three",
        "nodes": nodes,
        "edges": edges,
    }


def folder_usage(root: Path) -> tuple[int, int, int]:
    """(bytes on disk, apparent bytes, inodes) of everything under `root`."""
    blocks = size = inodes = 0
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            info = os.lstat(os.path.join(folder, name))
            blocks += info.st_blocks * 512
            size += info.st_size
            inodes += 1
    return blocks, size, inodes


def disk(args: argparse.Namespace) -> dict[str, Any]:
    from app.engine.service import Engine

    async def go(home: Path, runs: int) -> None:
        engine = Engine(home)
        await engine.start(recover=False)
        try:
            engine.import_workflow(three_steps())
            for first in range(0, runs, 100):
                started = [
                    await engine.start_run("three", {"n": i})
                    for i in range(first, min(runs, first + 100))
                ]
                for run_id in started:
                    run = await engine.wait(run_id)
                    assert run.status == "succeeded", run.error
            engine.logs.drain()
        finally:
            await engine.stop()

    with tempfile.TemporaryDirectory(prefix="ren-disk-") as tmp:
        home = Path(tmp) / "home"
        asyncio.run(go(home, 10))  # the folder with its workflow and a few runs: the baseline
        base = folder_usage(home)
        asyncio.run(go(home, args.runs))
        conn = sqlite3.connect(home / "ren.sqlite")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        used = folder_usage(home)
        db = (home / "ren.sqlite").stat().st_size
        logs = sum(p.stat().st_size for p in (home / "logs").iterdir())
    return {
        "runs": args.runs,
        "bytes_per_run_on_disk": (used[0] - base[0]) / args.runs,
        "bytes_per_run_apparent": (used[1] - base[1]) / args.runs,
        "inodes_per_run": (used[2] - base[2]) / args.runs,
        "database_bytes": db,
        "log_bytes": logs,
    }


# -- cold start -----------------------------------------------------------------------------


def coldstart(args: argparse.Namespace) -> dict[str, Any]:
    ren = Path(sys.executable).with_name("ren")
    command = [str(ren)] if ren.exists() else [sys.executable, "-m", "app.cli"]
    example = ROOT / "examples" / "expense_approval.json"
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="ren-cold-") as home:
        env = {**os.environ, "REN_HOME": home}
        for name, argv in (("help", ["--help"]), ("validate", ["validate", str(example)])):
            times = []
            for _ in range(args.repeat + 1):  # the first run warms the disk cache
                started = now()
                subprocess.run([*command, *argv], env=env, capture_output=True, check=True)
                times.append(now() - started)
            figures[f"{name}_s"] = statistics.median(times[1:])
            figures[f"{name}_s_min"] = min(times[1:])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="workload", required=True)
    val = sub.add_parser("validate")
    val.add_argument("--nodes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    val.add_argument("--repeat", type=int, default=1)
    res = sub.add_parser("restart")
    res.add_argument("--waiting", type=int, default=100_000, help="runs waiting on a task")
    res.add_argument("--timers", type=int, default=10_000, help="runs waiting on a timer")
    res.add_argument("--seed", type=int, default=1000, help="runs made through the engine")
    res.add_argument("--repeat", type=int, default=3)
    dsk = sub.add_parser("disk")
    dsk.add_argument("--runs", type=int, default=10_000)
    cold = sub.add_parser("coldstart")
    cold.add_argument("--repeat", type=int, default=10)
    once = sub.add_parser("start-once")
    once.add_argument("home")
    for p in (val, res, dsk, cold, once):
        p.add_argument("--budget", type=float, default=600)
    args = parser.parse_args()
    stdout = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # only the RESULT line reaches stdout
    if args.workload == "start-once":
        result: dict[str, Any] = start_once(args.home)
    else:
        work = {"validate": validate, "restart": restart, "disk": disk, "coldstart": coldstart}
        result = {"system": "ren", "workload": args.workload, **work[args.workload](args)}
    result["python"] = sys.version.split()[0]
    stdout.write("RESULT " + json.dumps(result) + "\n")
    stdout.flush()


if __name__ == "__main__":
    main()
