"""LangGraph peer benchmark: durable runs of trivial steps on its SQLite checkpointer.

Durability: ``SqliteSaver(sqlite3.connect(<fresh tempdir>/checkpoints.sqlite,
check_same_thread=False))`` (the form LangGraph documents), every ``invoke`` with
``durability="sync"``: the checkpoint of each superstep is committed before the next step
starts. The saver sets ``journal_mode=WAL``; ``synchronous`` stays at SQLite's default FULL,
so every commit fsyncs the WAL. Both are read back with PRAGMA on the saver's own
connection and reported under ``config.sqlite``.

Workloads (one per process; one ``RESULT {json}`` line on stdout):
  chain --steps N --runs R [--warmup W]
      N nodes in a line, each adds 1 to a counter; R sequential runs, each a new thread_id.
      Statements and COMMITs are counted with a sqlite3 trace on 5 extra, untimed runs.
  foreach --items N [--mode loop|send]
      loop: one node handles one item per superstep and loops back to itself, so every
            item ends in its own checkpoint;
      send: a Send map, one superstep of N tasks whose writes are each saved.
  hitl --park N [--latency-runs K]
      s1 -> s2 -> ask (``interrupt()``) -> s3 -> s4. K runs measure resume -> done
      (``invoke(Command(resume=...))``); then N runs are parked, memory, threads and idle
      CPU are read, and all N are resumed on a fresh connection and graph, as a restarted
      process would.
"""

from __future__ import annotations

import argparse
import operator
import sqlite3
import time
from collections.abc import Callable
from typing import Annotated, Any, TypedDict

from _common import (
    IDLE_WINDOW_S,
    Bench,
    Json,
    SqlTrace,
    Tally,
    cpu_s,
    dir_bytes,
    measure_parked,
    now,
    os_threads,
    parse_args,
    peak_rss_mb,
    rss_mb,
    sqlite_settings,
    summary_ms,
    time_runs,
    versions,
)
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, Durability, Send, interrupt

DURABILITY: Durability = "sync"
COUNTED_RUNS = 5
PARK_SHARE = 0.5  # parking may use this share of the time left; resuming gets the rest

App = CompiledStateGraph[Any, Any, Any, Any]


class Counter(TypedDict):
    counter: int


class Loop(TypedDict):
    i: int
    n: int


class Map(TypedDict):
    n: int
    results: Annotated[list[int], operator.add]


class Item(TypedDict):
    item: int


class Approval(TypedDict):
    counter: int
    answer: int


def open_db(bench: Bench) -> tuple[sqlite3.Connection, SqliteSaver]:
    """Open the checkpointer on the run's database; record its configuration."""
    conn = sqlite3.connect(bench.tmp / "checkpoints.sqlite", check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    bench.result["config"] = {
        "checkpointer": "SqliteSaver(sqlite3.connect(file, check_same_thread=False))",
        "durability": f"{DURABILITY}: each checkpoint committed before the next step",
        "sqlite": sqlite_settings(conn),
    }
    return conn, saver


def cfg(thread_id: str, **extra: Any) -> Any:
    return {"configurable": {"thread_id": thread_id}, **extra}


def rows_for(conn: sqlite3.Connection, thread_id: str) -> Json:
    def count(table: str) -> int:
        q = f"SELECT count(*) FROM {table} WHERE thread_id = ?"
        return int(conn.execute(q, (thread_id,)).fetchone()[0])

    return {"checkpoints": count("checkpoints"), "writes": count("writes")}


def add_one(state: Counter) -> Counter:
    return {"counter": state["counter"] + 1}


# --------------------------------------------------------------------------- chain


def chain(bench: Bench, a: argparse.Namespace) -> None:
    g = StateGraph(Counter)
    prev = START
    for i in range(a.steps):
        g.add_node(f"s{i}", add_one)
        g.add_edge(prev, f"s{i}")
        prev = f"s{i}"
    g.add_edge(prev, END)
    conn, saver = open_db(bench)
    app = g.compile(checkpointer=saver)

    def run(thread_id: str) -> None:
        out = app.invoke({"counter": 0}, cfg(thread_id), durability=DURABILITY)
        assert out["counter"] == a.steps, out

    for i in range(a.warmup):
        run(f"warm-{i}")
    trace = SqlTrace()
    conn.set_trace_callback(trace)
    for i in range(COUNTED_RUNS):
        run(f"count-{i}")
    conn.set_trace_callback(None)

    time_runs(bench, a.runs, lambda i: run(f"run-{i}"), a.steps)
    bench.result.update(
        commits_per_run=trace.commits / COUNTED_RUNS,
        statements_per_run=trace.statements / COUNTED_RUNS,
        rows_per_run=rows_for(conn, "count-0"),
        rss_mb=rss_mb(),
    )
    conn.close()


# --------------------------------------------------------------------------- foreach


def loop_graph(bench: Bench, done: Tally) -> StateGraph[Any, Any, Any, Any]:
    def work(state: Loop) -> Json:
        done.add()
        return {"i": state["i"] + 1}

    def more(state: Loop) -> str:
        if state["i"] >= state["n"]:
            return END
        if bench.out_of_time():
            bench.stop_early("budget: loop ended early")
            return END
        return "work"

    g = StateGraph(Loop)
    g.add_node("work", work)
    g.add_edge(START, "work")
    g.add_conditional_edges("work", more, ["work", END])
    return g


def send_graph(done: Tally) -> StateGraph[Any, Any, Any, Any]:
    def fan_out(state: Map) -> list[Send]:
        return [Send("work", {"item": i}) for i in range(state["n"])]

    def work(state: Item) -> Json:
        done.add()
        return {"results": [state["item"]]}

    g = StateGraph(Map)
    g.add_node("work", work)
    g.add_conditional_edges(START, fan_out, ["work"])
    g.add_edge("work", END)
    return g


def foreach(bench: Bench, a: argparse.Namespace) -> None:
    done = Tally()
    g = loop_graph(bench, done) if a.mode == "loop" else send_graph(done)
    conn, saver = open_db(bench)
    app = g.compile(checkpointer=saver)

    def start(n: int) -> Json:
        return {"i": 0, "n": n} if a.mode == "loop" else {"n": n, "results": []}

    def run(thread_id: str, n: int) -> int:
        conf = cfg(thread_id, recursion_limit=n + 10)
        out = app.invoke(start(n), conf, durability=DURABILITY)
        return int(out["i"] if a.mode == "loop" else len(out["results"]))

    assert run("warm", 10) == 10
    done_before = done.n
    c0, t0 = cpu_s(), now()

    def progress() -> None:
        items, wall = done.n - done_before, now() - t0
        bench.result.update(
            items_done=items,
            total_s=wall,
            items_per_s=items / wall,
            cpu_s=cpu_s() - c0,
            rss_mb=rss_mb(),
            threads=os_threads(),
        )

    bench.on_timeout(progress)
    got = run("big", a.items)
    progress()
    bench.on_timeout(None)
    assert got == bench.result["items_done"], (got, bench.result["items_done"])
    bench.result.update(
        per_item_ms=bench.result["total_s"] / max(1, got) * 1e3,
        rows=rows_for(conn, "big"),
        db_bytes=dir_bytes(bench.tmp),
        peak_rss_mb=peak_rss_mb(),
    )
    conn.close()


# --------------------------------------------------------------------------- hitl


def approval_graph() -> StateGraph[Any, Any, Any, Any]:
    def inc(state: Approval) -> Json:
        return {"counter": state["counter"] + 1}

    def ask(state: Approval) -> Json:
        return {"answer": interrupt({"question": "approve?", "counter": state["counter"]})}

    g = StateGraph(Approval)
    names = ["s1", "s2", "ask", "s3", "s4"]
    for name in names:
        g.add_node(name, ask if name == "ask" else inc)
    for u, v in zip([START, *names], [*names, END], strict=True):
        g.add_edge(u, v)
    return g


def park(app: App, thread_id: str) -> None:
    out = app.invoke({"counter": 0, "answer": 0}, cfg(thread_id), durability=DURABILITY)
    assert "__interrupt__" in out, out


def resume(app: App, thread_id: str, answer: int) -> None:
    out = app.invoke(Command(resume=answer), cfg(thread_id), durability=DURABILITY)
    assert out["counter"] == 4 and out["answer"] == answer, out


def hitl(bench: Bench, a: argparse.Namespace) -> None:
    r = bench.result
    conn, saver = open_db(bench)
    graph = approval_graph()
    app: App = graph.compile(checkpointer=saver)
    for i in range(5):
        park(app, f"warm-{i}")
        resume(app, f"warm-{i}", 0)

    latencies: list[float] = []
    latency_until = time.time() + bench.time_left() * 0.25
    for i in range(a.latency_runs):
        if time.time() > latency_until:
            bench.stop_early(f"budget: {i} of {a.latency_runs} latency runs")
            break
        park(app, f"lat-{i}")
        t = now()
        resume(app, f"lat-{i}", 7)
        latencies.append(now() - t)
    lat = summary_ms(latencies)
    r.update(
        latency_runs_done=len(latencies),
        resume_to_done_ms_median=lat.get("median"),
        resume_to_done_ms_p95=lat.get("p95"),
        resume_to_done_ms=lat,
    )

    r.update(rss_mb_before=rss_mb(collect=True), threads_before=os_threads())
    reserve = IDLE_WINDOW_S + 3
    park_until = time.time() + max(0.0, bench.time_left() - reserve) * PARK_SHARE
    parked: list[str] = []
    t0 = now()

    def park_progress() -> None:
        r.update(parked=len(parked), park_s=now() - t0, park_per_s=len(parked) / (now() - t0))

    bench.on_timeout(park_progress)
    for i in range(a.park):
        if time.time() > park_until:
            bench.stop_early(f"budget: parked {i} of {a.park}")
            break
        park(app, f"park-{i}")
        parked.append(f"park-{i}")
    park_progress()
    bench.on_timeout(None)  # park figures are final from here on
    # sync invoke: no event loop is involved; a parked run is rows in the file
    measure_parked(bench, len(parked), asyncio_tasks=None)

    # A restarted process: forget the graph and connection, resume from the file only.
    conn.close()
    del app, saver
    conn, saver = open_db(bench)
    fresh: App = graph.compile(checkpointer=saver)
    resume_all(bench, len(parked), lambda i: resume(fresh, parked[i], 1))
    r["peak_rss_mb"] = peak_rss_mb()
    conn.close()


def resume_all(bench: Bench, count: int, resume_one: Callable[[int], None]) -> None:
    r = bench.result
    resumed = 0
    t0 = now()

    def progress() -> None:
        wall = now() - t0
        r.update(resumed=resumed, resume_all_s=wall, resume_all_per_s=resumed / wall)

    bench.on_timeout(progress)
    for i in range(count):
        if bench.out_of_time():
            bench.stop_early(f"budget: resumed {i} of {count}")
            break
        resume_one(i)
        resumed += 1
    progress()
    bench.on_timeout(None)


def main() -> None:
    a = parse_args(__doc__ or "", foreach_modes=("loop", "send"))
    params = {k: v for k, v in vars(a).items() if k not in ("workload", "budget")}
    with Bench("langgraph", a.workload, a.budget, **params) as bench:
        bench.result["versions"] = versions(
            "langgraph", "langgraph-checkpoint", "langgraph-checkpoint-sqlite"
        )
        {"chain": chain, "foreach": foreach, "hitl": hitl}[a.workload](bench, a)
        bench.emit()


if __name__ == "__main__":
    main()
