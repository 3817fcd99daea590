"""Shared helpers for the peer benchmark scripts (``langgraph_peer.py``, ``dbos_peer.py``).

Contract of every script: it runs as its own process and prints exactly one line
``RESULT {json}`` on stdout; library logs and warnings go to stderr. ``Bench`` enforces
that contract:

- it points file descriptor 1 at stderr, so nothing but the RESULT line reaches stdout;
- it creates a fresh ``tempfile`` directory for every database and removes it at the end;
- it enforces ``--budget`` (seconds since the process started): workloads ask
  ``time_left()`` / ``out_of_time()`` and stop early with ``partial: true``; a watchdog
  thread is the backstop that emits the partial figures gathered so far and exits;
- it emits the result exactly once.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

import psutil  # type: ignore[import-untyped,unused-ignore]

Json = dict[str, Any]

now = time.perf_counter
PROCESS = psutil.Process()
DEFAULT_BUDGET_S = 300.0
EXIT_MARGIN_S = 1.0  # the watchdog fires this long before the budget, to emit and clean up
STOP_RESERVE_S = 2.0  # workloads stop this long before the watchdog, to finish their figures
IDLE_WINDOW_S = 5.0  # CPU of a parked process is measured over this idle window
SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


# --------------------------------------------------------------------------- CLI


def parse_args(doc: str, foreach_modes: Sequence[str]) -> argparse.Namespace:
    """The CLI shared by every peer script: ``chain``, ``foreach``, ``hitl`` subcommands.

    ``--budget`` is accepted before or after the subcommand.
    """
    p = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--budget",
        type=float,
        default=DEFAULT_BUDGET_S,
        help="stop within this many seconds of process start (default 300)",
    )
    budget = argparse.ArgumentParser(add_help=False)
    budget.add_argument("--budget", type=float, default=argparse.SUPPRESS)
    sub = p.add_subparsers(dest="workload", required=True)

    chain = sub.add_parser("chain", parents=[budget], help="linear chain of trivial steps")
    chain.add_argument("--steps", type=int, default=20)
    chain.add_argument("--runs", type=int, default=200)
    chain.add_argument("--warmup", type=int, default=10)

    foreach = sub.add_parser("foreach", parents=[budget], help="N trivial durable items")
    foreach.add_argument("--items", type=int, default=10_000)
    foreach.add_argument("--mode", choices=list(foreach_modes), default=foreach_modes[0])

    hitl = sub.add_parser("hitl", parents=[budget], help="park N runs on a person, resume")
    hitl.add_argument("--park", type=int, default=1000)
    hitl.add_argument("--latency-runs", type=int, default=20)
    return p.parse_args()


# --------------------------------------------------------------------------- measurements


def percentile(sorted_xs: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty sequence."""
    rank = max(1, math.ceil(q / 100 * len(sorted_xs)))
    return sorted_xs[rank - 1]


def summary_ms(seconds: Sequence[float]) -> Json:
    """median / p95 / min / max / mean of durations given in seconds, in milliseconds."""
    if not seconds:
        return {}
    xs = sorted(seconds)
    return {
        "median": statistics.median(xs) * 1e3,
        "p95": percentile(xs, 95) * 1e3,
        "min": xs[0] * 1e3,
        "max": xs[-1] * 1e3,
        "mean": statistics.fmean(xs) * 1e3,
    }


def cpu_s() -> float:
    """CPU time (user + system) of the whole process, all threads."""
    return time.process_time()


def rss_mb(collect: bool = False) -> float:
    """Resident set size of this process in MiB (optionally after a full gc)."""
    if collect:
        gc.collect()
    return float(PROCESS.memory_info().rss) / 2**20


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def os_threads() -> int:
    """Threads of this process as the OS sees them (Python and native)."""
    return int(PROCESS.num_threads())


def idle_cpu_pct(window_s: float = IDLE_WINDOW_S) -> float:
    """CPU the process burns while the caller sleeps, as % of one core."""
    c0, t0 = cpu_s(), now()
    time.sleep(window_s)
    return (cpu_s() - c0) / (now() - t0) * 100


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file())


def sqlite_settings(conn: sqlite3.Connection) -> Json:
    """journal_mode and synchronous as seen by ``conn`` (synchronous is per connection)."""
    sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    return {
        "journal_mode": str(conn.execute("PRAGMA journal_mode").fetchone()[0]).upper(),
        "synchronous": SYNCHRONOUS.get(int(sync), str(sync)),
    }


def versions(*dists: str) -> Json:
    out: Json = {d: metadata.version(d) for d in dists}
    out["python"] = sys.version.split()[0]
    out["sqlite"] = sqlite3.sqlite_version
    return out


class Tally:
    """A thread-safe counter (runs parked, items done, ...) that can be waited on."""

    def __init__(self) -> None:
        self._n = 0
        self._cond = threading.Condition()

    def add(self) -> None:
        with self._cond:
            self._n += 1
            self._cond.notify_all()

    @property
    def n(self) -> int:
        return self._n

    def wait_for(self, target: int, until: float) -> bool:
        """Wait until the count reaches ``target`` or the epoch time ``until``."""
        with self._cond:
            return self._cond.wait_for(lambda: self._n >= target, until - time.time())


class SqlTrace:
    """``sqlite3`` trace callback that counts statements (as SQLite runs them, BEGIN and
    COMMIT included) and COMMITs, while ``active``."""

    def __init__(self, active: bool = True) -> None:
        self.active = active
        self.statements = 0
        self.commits = 0

    def __call__(self, sql: str) -> None:
        if not self.active:
            return
        self.statements += 1
        if sql.lstrip()[:6].upper() in ("COMMIT", "END"):
            self.commits += 1


# --------------------------------------------------------------------------- runs


@dataclass
class Runs:
    """Latencies of sequential runs, with the wall and CPU time of the whole loop."""

    latencies: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def figures(self, steps: int) -> Json:
        done = len(self.latencies)
        if not done:
            return {"runs_done": 0}
        lat = summary_ms(self.latencies)
        return {
            "runs_done": done,
            "run_ms_median": lat["median"],
            "run_ms_p95": lat["p95"],
            "run_ms_min": lat["min"],
            "run_ms_max": lat["max"],
            "per_step_ms": lat["median"] / steps,
            "runs_per_s": done / self.wall_s,
            "cpu_ms_per_run": self.cpu_s / done * 1e3,
            "cpu_pct_of_wall": self.cpu_s / self.wall_s * 100,
            "total_s": self.wall_s,
        }


def time_runs(bench: Bench, count: int, run: Callable[[int], None], steps: int) -> None:
    """Call ``run(i)`` ``count`` times, timing each, and put the chain figures in the
    result; stop early when the budget runs out."""
    runs = Runs()
    c0, t0 = cpu_s(), now()

    def progress() -> None:
        runs.wall_s, runs.cpu_s = now() - t0, cpu_s() - c0
        bench.result.update(runs.figures(steps))

    bench.on_timeout(progress)
    for i in range(count):
        if bench.out_of_time():
            bench.stop_early(f"budget: {i} of {count} runs done")
            break
        t = now()
        run(i)
        runs.latencies.append(now() - t)
    progress()
    bench.on_timeout(None)


def measure_parked(bench: Bench, parked: int, asyncio_tasks: int | None = None) -> None:
    """Memory, threads and idle CPU while ``parked`` runs wait on a person.

    Expects ``rss_mb_before`` in the result, read just before the runs were parked.
    """
    time.sleep(1.0)  # let the last parked runs settle
    r = bench.result
    r.update(
        rss_mb_parked=rss_mb(collect=True),
        threads_parked=os_threads(),
        asyncio_tasks_parked=asyncio_tasks,
    )
    r["kb_per_parked_run"] = (
        (r["rss_mb_parked"] - r["rss_mb_before"]) * 1024 / parked if parked else None
    )
    r.update(
        idle_cpu_pct_parked=idle_cpu_pct(),
        idle_window_s=IDLE_WINDOW_S,
        db_bytes_parked=dir_bytes(bench.tmp),
    )


# --------------------------------------------------------------------------- the process


class Bench:
    """One benchmark process: result dict, temp dir, budget, watchdog, single RESULT line."""

    def __init__(self, system: str, workload: str, budget_s: float, **params: Any) -> None:
        self.budget_s = budget_s
        # psutil's create_time can read up to 1 s early on Linux: the stop comes early, not late
        self.deadline = float(PROCESS.create_time()) + budget_s - EXIT_MARGIN_S  # epoch seconds
        self.result: Json = {
            "system": system,
            "workload": workload,
            **params,
            "budget_s": budget_s,
            "partial": False,
        }
        self.tmp = Path()
        self._progress: Callable[[], None] | None = None
        self._emitted = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._stdout: TextIO = sys.stdout

    # -- context -----------------------------------------------------------------
    def __enter__(self) -> Bench:
        sys.stdout.flush()
        self._stdout = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)  # anything else written to stdout, even by C code, lands on stderr
        self.tmp = Path(tempfile.mkdtemp(prefix="ren-peer-"))
        threading.Thread(target=self._watchdog, name="bench-watchdog", daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if exc is not None and not self._emitted:
            self.result["error"] = f"{type(exc).__name__}: {exc}"
            self.emit()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- budget ------------------------------------------------------------------
    def time_left(self) -> float:
        """Seconds until the watchdog fires."""
        return self.deadline - time.time()

    def out_of_time(self, reserve_s: float = STOP_RESERVE_S) -> bool:
        return self.time_left() <= reserve_s

    @property
    def stop_at(self) -> float:
        """Epoch seconds by which a workload should stop on its own."""
        return self.deadline - STOP_RESERVE_S

    def stop_early(self, why: str) -> None:
        self.result["partial"] = True
        self.result.setdefault("stopped", why)

    def on_timeout(self, hook: Callable[[], None] | None) -> None:
        """Set (replace) the hook that records the current phase's progress if the
        watchdog fires; ``None`` once the phase's figures are final."""
        self._progress = hook

    # -- output ------------------------------------------------------------------
    def emit(self) -> None:
        with self._lock:
            if self._emitted:
                return
            self._emitted = True
            self.result["elapsed_s"] = time.time() - float(PROCESS.create_time())
            line = json.dumps(_rounded(self.result), default=str)
            self._stdout.write(f"RESULT {line}\n")
            self._stdout.flush()

    def exit_now(self, code: int = 0) -> None:
        """Remove the temp dir and end the process at once (no interpreter teardown).

        For libraries whose shutdown would block on threads still parked in a wait.
        """
        shutil.rmtree(self.tmp, ignore_errors=True)
        sys.stderr.flush()
        os._exit(code)

    def _watchdog(self) -> None:
        if self._done.wait(max(0.0, self.time_left())):
            return
        self.stop_early("budget: stopped by the watchdog")
        if self._progress is not None:
            try:
                self._progress()
            except Exception as e:  # a partial figure is not worth losing the line for
                print(f"progress hook failed: {e!r}", file=sys.stderr)
        self.emit()
        self.exit_now()


def _rounded(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 4) if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_rounded(v) for v in x]
    return x
