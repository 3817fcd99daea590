"""The runs list and the inbox at scale: 100,000 runs and 10,000 open tasks.

    python bench/lists_bench.py                      # 100,000 runs, 10,000 open tasks
    python bench/lists_bench.py --runs 20000 --tasks 2000 --deep 40

Rows are written straight through the store's batch writes (one transaction), then the
first page and a deep page (page 200 by default, reached by following the keyset cursors)
of each list are timed, with and without filters, and the runs page is rendered over HTTP by
a real `ren` server on 127.0.0.1. Prints one line `RESULT {json}` (milliseconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from timing import median_ms  # bench/timing.py, next to this script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


now = time.perf_counter

WORKFLOWS = 10
SETTLE_S = 10.0
STATUSES = ("succeeded", "succeeded", "succeeded", "failed", "canceled", "succeeded")


async def fill(home: Path, runs: int, tasks: int) -> None:
    """`runs` runs over ten workflows (the newest `tasks` of them waiting on an open task)."""
    from app.engine.service import Engine
    from app.store.writes import Batch
    from tests.bulk_rows import add_open_task, add_run, ask_workflow, publish_all

    engine = Engine(home)
    await engine.start(recover=False)
    try:
        flows = (ask_workflow(f"wf{i}", f"Workflow {i}") for i in range(WORKFLOWS))
        versions = publish_all(engine, flows)
        batch = Batch()
        start = time.time() - runs  # one run a second, oldest first
        for n in range(runs):
            at = start + n
            waiting = n >= runs - tasks
            status = "waiting" if waiting else STATUSES[n % len(STATUSES)]
            run_id = f"run-{n:07d}"
            data = json.dumps({"order": n, "customer": f"customer {n % 997}"})
            add_run(batch, run_id, versions[n % WORKFLOWS], status, at, data)
            if waiting:
                add_open_task(
                    batch,
                    run_id,
                    at,
                    f"Approve order {n}",
                    data=data,
                    description=f"Customer {n % 997} asks for approval",
                    outcomes='[{"name":"submit","label":"Submit"}]',
                    assignee=f"person{n % 5}" if n % 2 else None,
                    due=None if n % 3 == 0 else at + 86400 * (n % 7 - 2),
                )
        engine.store.write(batch)
    finally:
        await engine.stop()


def deepest(next_of: Callable[[Any], Any], deep: int) -> tuple[Any, int]:
    """Follow the cursors towards page `deep`: (the cursor of the deepest page there is, its
    number), or (None, 1) when the list has one page."""
    cursor, page = None, 1
    while page < deep:
        following = next_of(cursor)
        if following is None:
            break
        cursor, page = following, page + 1
    return cursor, page


def measure_queries(home: Path, deep: int, repeat: int) -> dict[str, float]:
    from app.store.paging import (
        RunFilter,
        TaskFilter,
        count_runs_matching,
        run_page,
        task_page,
    )
    from app.store.store import Store

    store = Store(home / "ren.sqlite")
    figures: dict[str, float] = {}
    try:
        with store.session() as session:
            run_filters = {
                "all": RunFilter(),
                "workflow": RunFilter(workflow_id="wf3"),
                "status_failed": RunFilter(status="failed"),
                "search_input": RunFilter(search="customer 42"),
            }
            for name, where in run_filters.items():
                figures[f"runs_{name}_first_ms"] = median_ms(
                    lambda w=where: run_page(session, w), repeat
                )
                cursor, page = deepest(lambda c, w=where: run_page(session, w, c).next, deep)
                if cursor is not None:
                    figures[f"runs_{name}_page{page}_ms"] = median_ms(
                        lambda w=where, c=cursor: run_page(session, w, c), repeat
                    )
            figures["runs_count_all_ms"] = median_ms(
                lambda: count_runs_matching(session, RunFilter()), repeat
            )
            wall = time.time()
            task_filters = {
                "due": (TaskFilter(now=wall, end_of_today=wall), "due"),
                "newest": (TaskFilter(now=wall, end_of_today=wall), "newest"),
                "person": (TaskFilter(person="person3", now=wall, end_of_today=wall), "due"),
                "workflow": (TaskFilter(workflow_id="wf5", now=wall, end_of_today=wall), "due"),
                "search": (TaskFilter(search="order 99", now=wall, end_of_today=wall), "due"),
            }
            task_deep = max(2, deep // 2)  # 10,000 tasks are 200 pages: page 100 by default
            for name, (twhere, order) in task_filters.items():
                figures[f"inbox_{name}_first_ms"] = median_ms(
                    lambda w=twhere, o=order: task_page(session, w, o),
                    repeat,  # type: ignore[misc]
                )
                cursor, page = deepest(
                    lambda c, w=twhere, o=order: task_page(session, w, o, c).next,  # type: ignore[misc]
                    task_deep,
                )
                if cursor is not None:
                    figures[f"inbox_{name}_page{page}_ms"] = median_ms(
                        lambda w=twhere, o=order, c=cursor: task_page(session, w, o, c),  # type: ignore[misc]
                        repeat,
                    )
    finally:
        store.close()
    return figures


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_http(home: Path, repeat: int) -> dict[str, float]:
    """Render /runs and /inbox through a real server (the page's HTML with its first page)."""
    port = free_port()
    env = {**os.environ, "REN_HOME": str(home)}
    ren = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--no-browser"]
    server = subprocess.Popen(
        ren, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    figures: dict[str, float] = {}
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/runs", timeout=30).read()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        pages = ("/settings", "/runs", "/runs?status=failed", "/inbox", "/inbox?due=overdue")
        time.sleep(SETTLE_S)  # a big database's integrity check runs on a thread after start
        for page in pages:  # the first request of a page imports what it needs
            urllib.request.urlopen(url + page, timeout=30).read()
        for page in pages:
            figures[f"http_{page.strip('/').replace('?', '_').replace('=', '_')}_ms"] = median_ms(
                lambda p=page: urllib.request.urlopen(url + p, timeout=30).read(), repeat
            )
    finally:
        server.terminate()
        server.wait(30)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--deep", type=int, default=200, help="the deep runs page to time")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-http", action="store_true", help="skip the server round trips")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ren-lists-") as tmp:
        home = Path(tmp) / "home"
        started = now()
        asyncio.run(fill(home, args.runs, args.tasks))
        figures: dict[str, Any] = {
            "runs": args.runs,
            "open_tasks": args.tasks,
            "fill_s": round(now() - started, 1),
        }
        figures.update(measure_queries(home, args.deep, args.repeat))
        if not args.no_http:
            figures.update(measure_http(home, args.repeat))
    print("RESULT " + json.dumps({k: round(v, 2) for k, v in figures.items()}))


if __name__ == "__main__":
    main()
