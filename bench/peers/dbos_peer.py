"""DBOS Transact peer benchmark: durable sync workflows of trivial steps on SQLite.

Durability: ``DBOS(config={"name": ..., "system_database_url":
"sqlite:///<fresh tempdir>/dbos_sys.sqlite"})``, plain (sync) ``@DBOS.workflow`` and
``@DBOS.step`` functions. DBOS commits each step's output before the next step starts.
It sets no journal mode on SQLite, so the file keeps the rollback journal (DELETE), and
``synchronous`` stays at the default FULL; both are read back with PRAGMA through DBOS's
own engine and reported under ``config.sqlite``.

Workloads (one per process; one ``RESULT {json}`` line on stdout):
  chain --steps N --runs R [--warmup W]
      a workflow of N steps, each adds 1 to a counter; R sequential runs, each a new
      workflow id. Statements and COMMITs are counted with a sqlite3 trace (installed on
      every connection, counting only during 5 extra, untimed runs).
  foreach --items N
      one workflow that loops over N steps (each step's output is its own commit).
  hitl --park N [--latency-runs K]
      step, step, ``DBOS.recv`` (default poll interval, 1.0 s on SQLite), step, step.
      K runs measure ``DBOS.send`` -> done, each send after a random 0-1 s delay so the
      loop does not phase-lock to the notification poller. Then N runs are parked (at most
      ``WINDOW`` started ahead of those parked, so the phase can stop cleanly), memory,
      threads and idle CPU are read, and all are resumed with ``DBOS.send``. At large N the
      budget runs out first: the figures are then partial (``"partial": true``).

The process ends with ``os._exit`` after the RESULT line: ``DBOS.destroy()`` waits out the
poller and would block on runs still parked in ``recv``.
"""

from __future__ import annotations

import argparse
import random
import time
import traceback
from typing import Any

import sqlalchemy as sa
from _common import (
    IDLE_WINDOW_S,
    SYNCHRONOUS,
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
    summary_ms,
    time_runs,
    versions,
)
from dbos import DBOS
from sqlalchemy import event

COUNTED_RUNS = 5
TOPIC = "approval"
RECV_TIMEOUT_S = 24 * 3600  # recv's default of 60 s would end long parks with None
POLL_S = 1.0  # notification_listener_polling_interval_sec, left at its default
WINDOW = 100  # hitl: runs started but not yet parked
PARK_SHARE = 0.5  # parking may use this share of the time left; resuming gets the rest


TRACE = SqlTrace(active=False)


@event.listens_for(sa.pool.Pool, "connect")
def _trace(dbapi_conn: Any, _: Any) -> None:
    """Every SQLite connection DBOS opens reports its statements to ``TRACE`` (outside
    the counted runs that is one no-op call per statement, well under 0.1% of a run)."""
    dbapi_conn.set_trace_callback(TRACE)


class EngineSpy:
    """Remembers the engine DBOS opens, to read its SQLite settings back."""

    engine: sa.Engine | None = None

    def __init__(self) -> None:
        event.listen(sa.Engine, "engine_connect", self._seen, once=True)

    def _seen(self, conn: sa.Connection) -> None:
        self.engine = conn.engine

    def settings(self) -> Json:
        assert self.engine is not None
        with self.engine.connect() as c:
            sync = c.exec_driver_sql("PRAGMA synchronous").scalar()
            return {
                "journal_mode": str(c.exec_driver_sql("PRAGMA journal_mode").scalar()).upper(),
                "synchronous": SYNCHRONOUS.get(int(sync or 0), str(sync)),
                "busy_timeout_ms": c.exec_driver_sql("PRAGMA busy_timeout").scalar(),
            }


def launch(bench: Bench) -> None:
    """Configure and launch DBOS on the run's database; record its configuration."""
    spy = EngineSpy()
    DBOS(
        config={
            "name": f"ren-peer-{bench.result['workload']}",
            "system_database_url": f"sqlite:///{bench.tmp / 'dbos_sys.sqlite'}",
            "log_level": "WARNING",
        }
    )
    DBOS.launch()
    bench.result["config"] = {
        "system_database": "SQLite file (system_database_url)",
        "durability": "each step output committed before the next step starts",
        "sqlite": spy.settings(),
    }


@DBOS.step()
def add_one(c: int) -> int:
    return c + 1


# --------------------------------------------------------------------------- chain


@DBOS.workflow()
def chain_wf(steps: int) -> int:
    c = 0
    for _ in range(steps):
        c = add_one(c)
    return c


def chain(bench: Bench, a: argparse.Namespace) -> None:
    launch(bench)

    def run(_: int) -> None:
        out = chain_wf(a.steps)
        assert out == a.steps, out

    for i in range(a.warmup):
        run(i)
    TRACE.active = True
    for i in range(COUNTED_RUNS):
        run(i)
    TRACE.active = False

    time_runs(bench, a.runs, run, a.steps)
    bench.result.update(
        commits_per_run=TRACE.commits / COUNTED_RUNS,
        statements_per_run=TRACE.statements / COUNTED_RUNS,
        rss_mb=rss_mb(),
    )


# --------------------------------------------------------------------------- foreach

BENCH: Bench | None = None  # lets the foreach workflow stop at the budget
DONE = Tally()


@DBOS.step()
def item(i: int) -> int:
    DONE.add()
    return i


@DBOS.workflow()
def foreach_wf(n: int) -> int:
    done = 0
    for i in range(n):
        if BENCH is not None and BENCH.out_of_time():
            BENCH.stop_early("budget: loop ended early")
            break
        item(i)
        done += 1
    return done


def foreach(bench: Bench, a: argparse.Namespace) -> None:
    global BENCH
    launch(bench)
    assert foreach_wf(10) == 10
    BENCH = bench
    done_before = DONE.n
    c0, t0 = cpu_s(), now()

    def progress() -> None:
        items, wall = DONE.n - done_before, now() - t0
        bench.result.update(
            items_done=items,
            total_s=wall,
            items_per_s=items / wall,
            cpu_s=cpu_s() - c0,
            rss_mb=rss_mb(),
            threads=os_threads(),
        )

    bench.on_timeout(progress)
    got = foreach_wf(a.items)
    progress()
    bench.on_timeout(None)
    assert got == bench.result["items_done"], (got, bench.result["items_done"])
    bench.result.update(
        per_item_ms=bench.result["total_s"] / max(1, got) * 1e3,
        db_bytes=dir_bytes(bench.tmp),
        peak_rss_mb=peak_rss_mb(),
    )


# --------------------------------------------------------------------------- hitl

PARKED = Tally()
FINISHED = Tally()


@DBOS.workflow()
def approval_wf() -> int:
    c = add_one(add_one(0))
    PARKED.add()
    answer = DBOS.recv(TOPIC, timeout_seconds=RECV_TIMEOUT_S)
    c = add_one(add_one(c))
    FINISHED.add()
    return c + int(answer)


def hitl(bench: Bench, a: argparse.Namespace) -> None:
    r = bench.result
    launch(bench)
    for _ in range(3):
        h = DBOS.start_workflow(approval_wf)
        DBOS.send(h.workflow_id, 0, TOPIC)
        assert h.get_result() == 4

    latencies: list[float] = []
    latency_until = time.time() + bench.time_left() * 0.25
    for i in range(a.latency_runs):
        if time.time() > latency_until:
            bench.stop_early(f"budget: {i} of {a.latency_runs} latency runs")
            break
        base = PARKED.n
        h = DBOS.start_workflow(approval_wf)
        assert PARKED.wait_for(base + 1, bench.stop_at)
        time.sleep(0.02 + random.uniform(0, POLL_S))  # do not phase-lock to the poller
        t = now()
        DBOS.send(h.workflow_id, 7, TOPIC)
        assert h.get_result() == 11
        latencies.append(now() - t)
    lat = summary_ms(latencies)
    r.update(
        latency_runs_done=len(latencies),
        resume_to_done_ms_median=lat.get("median"),
        resume_to_done_ms_p95=lat.get("p95"),
        resume_to_done_ms=lat,
        latency_send_delay="uniform 0-1 s (+20 ms) before each send",
        poll_interval_s=POLL_S,
    )

    handles = park(bench, a.park)
    # sync workflows: no event loop is involved; a parked run blocks an executor thread
    measure_parked(bench, len(handles), asyncio_tasks=None)
    resume_all(bench, handles)
    r["peak_rss_mb"] = peak_rss_mb()


def park(bench: Bench, count: int) -> list[Any]:
    """Start up to ``count`` runs and wait until they wait in recv; their handles."""
    r = bench.result
    r.update(rss_mb_before=rss_mb(collect=True), threads_before=os_threads())
    reserve = IDLE_WINDOW_S + 3
    park_until = time.time() + max(0.0, bench.time_left() - reserve) * PARK_SHARE
    base = PARKED.n
    handles: list[Any] = []
    t0 = now()

    def progress() -> None:
        parked, wall = PARKED.n - base, now() - t0
        r.update(parked=parked, park_s=wall, park_per_s=parked / wall)

    def stopped() -> None:  # only if the watchdog stops the park phase
        progress()
        r.update(rss_mb_at_stop=rss_mb(), threads_at_stop=os_threads())

    bench.on_timeout(stopped)
    for i in range(count):
        # keep at most WINDOW runs started ahead of those parked
        if time.time() > park_until or not PARKED.wait_for(
            base + len(handles) - WINDOW + 1, park_until
        ):
            bench.stop_early(f"budget: started {i} of {count} runs")
            break
        handles.append(DBOS.start_workflow(approval_wf))
    if not PARKED.wait_for(base + len(handles), min(park_until + 30, bench.stop_at)):
        bench.stop_early(f"budget: {PARKED.n - base} of {len(handles)} started runs parked")
    progress()
    bench.on_timeout(None)
    return handles  # one started but not parked yet finds its message when it gets to recv


def resume_all(bench: Bench, handles: list[Any]) -> None:
    r = bench.result
    base = FINISHED.n
    sent = 0
    t0 = now()

    def progress() -> None:
        resumed, wall = FINISHED.n - base, now() - t0
        r.update(sent=sent, resumed=resumed, resume_all_s=wall, resume_all_per_s=resumed / wall)

    bench.on_timeout(progress)
    for h in handles:
        if bench.out_of_time():
            break
        DBOS.send(h.workflow_id, 1, TOPIC)
        sent += 1
    r["send_calls_s"] = now() - t0
    if not FINISHED.wait_for(base + len(handles), bench.stop_at):
        bench.stop_early(f"budget: resumed {FINISHED.n - base} of {len(handles)}")
    progress()
    bench.on_timeout(None)
    if r["resumed"] == len(handles):
        assert all(h.get_result() == 5 for h in handles)


def main() -> None:
    a = parse_args(__doc__ or "", foreach_modes=("loop",))
    params = {k: v for k, v in vars(a).items() if k not in ("workload", "budget")}
    with Bench("dbos", a.workload, a.budget, **params) as bench:
        bench.result["versions"] = versions("dbos", "sqlalchemy")
        code = 0
        try:
            {"chain": chain, "foreach": foreach, "hitl": hitl}[a.workload](bench, a)
        except Exception as e:
            traceback.print_exc()
            bench.result["error"] = f"{type(e).__name__}: {e}"
            code = 1
        bench.emit()
        bench.exit_now(code)


if __name__ == "__main__":
    main()
