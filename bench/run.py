"""Ren side by side with LangGraph and DBOS, in one run: alternating rounds, one process per
measurement, medians across rounds, and Ren's ratio to the best peer.

    python bench/run.py                 # chain, foreach and HITL (1,000 parked), 3 rounds
    python bench/run.py --hitl-10k      # also park 10,000 runs (one round; slow for DBOS)
    python bench/run.py --quick         # small sizes, 1 round: checks that everything runs
    python bench/run.py --no-scale      # without Ren's scale figures (bench/scale_bench.py)

Needs the `bench` extra (LangGraph, DBOS): pip install -e ".[bench]". Every system is durable:
Ren commits each completed step before the next starts; LangGraph runs with durability="sync";
DBOS commits each step. Ren is measured at SQLite synchronous=FULL (what both peers use) and
at its default NORMAL; the targets are held at equal settings (FULL).

Where Ren works differently from the peers (foreach items committed in batches; runs parked 500
at a time), the table has a second row under equal conditions (one commit per item; one run at
a time), and a column says what differs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"


@dataclass(frozen=True)
class Job:
    system: str  # ren-full | ren-normal | langgraph | dbos
    workload: str  # chain5 | chain20 | foreach | hitl1k | hitl10k (+ -equal), or a scale one
    argv: tuple[str, ...]


ONCE = {"hitl10k", "hitl10k-equal", "validate", "restart", "disk", "coldstart"}  # one round


def jobs(quick: bool, hitl_10k: bool, scale: bool = True) -> list[Job]:
    runs, items, park = ("40", "2000", "200") if quick else ("200", "10000", "1000")
    sizes = {
        "chain5": ("chain", "--steps", "5", "--runs", runs),
        "chain20": ("chain", "--steps", "20", "--runs", runs),
        "foreach": ("foreach", "--items", items),
        "hitl1k": ("hitl", "--park", park, "--latency-runs", "10" if quick else "20"),
    }
    if hitl_10k:
        sizes["hitl10k"] = ("hitl", "--park", "10000", "--latency-runs", "20")
    found = []
    for workload, args in sizes.items():
        for sync in ("full", "normal"):
            found.append(
                Job(f"ren-{sync}", workload, (str(HERE / "ren_bench.py"), *args, "--sync", sync))
            )
        found.append(Job("langgraph", workload, (str(PEERS / "langgraph_peer.py"), *args)))
        found.append(Job("dbos", workload, (str(PEERS / "dbos_peer.py"), *args)))
    # Ren under the peers' conditions (the peers already run that way: their rows are reused)
    equal = {"foreach-equal": (*sizes["foreach"], "--each-item")}
    for hitl in ("hitl1k", "hitl10k"):
        if hitl in sizes:
            equal[f"{hitl}-equal"] = (*sizes[hitl], "--park-batch", "1")
    for workload, args in equal.items():
        for sync in ("full", "normal"):
            found.append(
                Job(f"ren-{sync}", workload, (str(HERE / "ren_bench.py"), *args, "--sync", sync))
            )
    if scale:
        small = quick
        for workload, args in {
            "validate": ("validate", "--nodes", "1000", "10000", "100000"),
            "restart": ("restart", "--waiting", "10000" if small else "100000"),
            "disk": ("disk", "--runs", "1000" if small else "10000"),
            "coldstart": ("coldstart",),
        }.items():
            found.append(Job("ren", workload, (str(HERE / "scale_bench.py"), *args)))
    return found


def measure(job: Job, budget: int) -> dict[str, Any]:
    started = time.time()
    try:
        done = subprocess.run(
            [sys.executable, *job.argv, "--budget", str(budget)],
            capture_output=True,
            text=True,
            timeout=budget + 60,
        )
    except subprocess.TimeoutExpired:
        return {"error": "timed out"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no RESULT line"])[-1]}
    result: dict[str, Any] = json.loads(lines[-1][len("RESULT ") :])
    result["wall_s"] = round(time.time() - started, 1)
    return result


def run_rounds(
    all_jobs: list[Job], rounds: int, budget: int, log: Any
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    results: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    by_workload: dict[str, list[Job]] = defaultdict(list)
    for job in all_jobs:
        by_workload[job.workload].append(job)
    for round_no in range(rounds):
        for workload, group in by_workload.items():
            if workload in ONCE and round_no > 0:
                continue  # one round is enough (and DBOS needs its whole budget at 10,000)
            order = group if round_no % 2 == 0 else list(reversed(group))  # alternate
            for job in order:
                result = measure(job, budget)
                results[(job.system, job.workload)].append(result)
                log.write(
                    json.dumps(
                        {"round": round_no, "system": job.system, "workload": workload, **result}
                    )
                    + "\n"
                )
                log.flush()
                print(
                    f"round {round_no + 1} {workload:8} {job.system:10} {_brief(result)}",
                    file=sys.stderr,
                    flush=True,
                )
    return results


def _brief(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"ERROR {result['error']}"
    keys = ("run_ms_median", "items_per_s", "park_per_s", "resume_all_per_s")
    return "  ".join(f"{k}={result[k]:.1f}" for k in keys if isinstance(result.get(k), int | float))


def median(results: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in results if isinstance(r.get(key), int | float)]
    return statistics.median(values) if values else None


SYSTEMS = ("ren-full", "ren-normal", "langgraph", "dbos")


@dataclass(frozen=True)
class Row:
    name: str
    values: dict[str, float | None]
    lower_is_better: bool
    target: float | None  # Ren (FULL) / best peer must be <= target (lower) or >= (higher)
    conditions: str = "same"  # what differs between Ren and the peers in this row


def rows(results: dict[tuple[str, str], list[dict[str, Any]]]) -> list[Row]:
    def values(workload: str, key: str) -> dict[str, float | None]:
        return {s: median(results.get((s, workload), []), key) for s in SYSTEMS}

    def equal(workload: str, key: str) -> dict[str, float | None]:
        """Ren's `<workload>-equal` figures beside the peers' own (they run that way)."""
        ren = values(f"{workload}-equal", key)
        return {
            **values(workload, key),
            "ren-full": ren["ren-full"],
            "ren-normal": ren["ren-normal"],
        }

    def count(workload: str, key: str) -> str:
        found = values(workload, key)["ren-full"]
        return "?" if found is None else f"{found:,.0f}"

    chain5, chain20 = values("chain5", "run_ms_median"), values("chain20", "run_ms_median")
    marginal: dict[str, float | None] = {}
    for system in SYSTEMS:
        five, twenty = chain5[system], chain20[system]
        marginal[system] = (twenty - five) / 15 if five is not None and twenty is not None else None
    start_node = "Ren records its start node as a step: N + 1 commits a run"
    table = [
        Row("5-node run, ms", chain5, True, 1.0, start_node),
        Row("5-node run, commits", values("chain5", "commits_per_run"), True, None, start_node),
        Row("20-node run, ms", chain20, True, 1 / 5, start_node),
        Row("20-node run, commits", values("chain20", "commits_per_run"), True, None, start_node),
        Row("marginal durable step, ms", marginal, True, 1 / 6),
        Row(
            "10,000-item foreach, items/s",
            values("foreach", "items_per_s"),
            False,
            10.0,
            f"Ren commits items in batches ({count('foreach', 'commits')} commits); "
            "peers one commit per item",
        ),
        Row(
            "10,000-item foreach, items/s, equal",
            equal("foreach", "items_per_s"),
            False,
            10.0,
            f"equal: one commit per item (Ren {count('foreach-equal', 'commits')} commits)",
        ),
    ]
    for workload, label in (("hitl1k", "1,000"), ("hitl10k", "10,000")):
        if not any(results.get((s, workload)) for s in SYSTEMS):
            continue
        batched = "Ren starts runs 500 at a time; peers one at a time"
        together = "Ren answers every task, then the runs go on together; peers one at a time"
        one_by_one = "equal: one run at a time"
        table += [
            Row(f"park {label}: runs/s", values(workload, "park_per_s"), False, 10.0, batched),
            Row(
                f"park {label}: runs/s, equal",
                equal(workload, "park_per_s"),
                False,
                10.0,
                one_by_one,
            ),
            Row(
                f"park {label}: KB RSS per parked run",
                values(workload, "kb_per_parked_run"),
                True,
                0.0,
                batched,
            ),
            Row(
                f"park {label}: threads while parked", values(workload, "threads_parked"), True, 0.0
            ),
            Row(f"park {label}: idle CPU %", values(workload, "idle_cpu_pct_parked"), True, 0.0),
            Row(
                f"resume all {label}: runs/s",
                values(workload, "resume_all_per_s"),
                False,
                10.0,
                together,
            ),
            Row(
                f"resume all {label}: runs/s, equal",
                equal(workload, "resume_all_per_s"),
                False,
                10.0,
                one_by_one,
            ),
            Row(
                f"resume to done {label}: ms median",
                values(workload, "resume_to_done_ms_median"),
                True,
                0.5,
            ),
        ]
    return table


def render(table: list[Row]) -> str:
    out = [
        "| measurement | Ren FULL | Ren NORMAL | LangGraph | DBOS | Ren FULL vs best peer "
        "| target | conditions |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table:
        peers = [v for k, v in row.values.items() if k in ("langgraph", "dbos") and v]
        best = (min(peers) if row.lower_is_better else max(peers)) if peers else None
        ren = row.values["ren-full"]
        ratio = f"{ren / best:.2f}×" if ren is not None and best else "–"
        if row.target is None:
            target = "–"
        elif row.target == 0.0:
            target = "≈ 0"
        elif row.lower_is_better:
            target = f"≤ {row.target:.2f}×"
        else:
            target = f"≥ {row.target:.0f}×"
        cells = [_fmt(row.values[s]) for s in SYSTEMS]
        out.append(
            f"| {row.name} | " + " | ".join(cells) + f" | {ratio} | {target} | {row.conditions} |"
        )
    return "\n".join(out)


def render_scale(results: dict[tuple[str, str], list[dict[str, Any]]]) -> str:
    """Ren's figures where users grow (bench/scale_bench.py; no peer does these the same way)."""

    def get(workload: str, key: str) -> float | None:
        return median(results.get(("ren", workload), []), key)

    def seconds(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f}"

    restart = get("restart", "tasks_waiting_runs")
    timers = get("restart", "timers_waiting_runs")
    disk_runs = get("disk", "runs")
    lines = [
        (
            f"start-up over {restart or 0:,.0f} runs waiting on a task, s over an empty folder",
            seconds(get("restart", "tasks_over_empty_s")),
            "≤ 1",
        ),
        (
            f"start-up over {timers or 0:,.0f} runs waiting on a timer (each re-armed), "
            "s over an empty folder",
            seconds(get("restart", "timers_over_empty_s")),
            "linear",
        ),
        (
            f"disk per finished 3-step run (database + logs, {disk_runs or 0:,.0f} runs), bytes",
            _fmt(get("disk", "bytes_per_run_on_disk")),
            "≤ 2,048",
        ),
        ("inodes per finished run", _fmt(get("disk", "inodes_per_run")), "≈ 0"),
        ("validate 1,000 nodes, s", seconds(get("validate", "validate_1000_s")), "–"),
        ("validate 10,000 nodes, s", seconds(get("validate", "validate_10000_s")), "–"),
        ("validate 100,000 nodes, s", seconds(get("validate", "validate_100000_s")), "seconds"),
        ("`ren --help`, s (median of 10)", seconds(get("coldstart", "help_s")), "≤ 0.3"),
        ("`ren validate FILE`, s (median of 10)", seconds(get("coldstart", "validate_s")), "≤ 0.5"),
    ]
    out = ["| Ren at scale | value | target |", "|---|---|---|"]
    out += [f"| {name} | {value} | {target} |" for name, value, target in lines]
    return "\n".join(out)


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, one round")
    parser.add_argument("--hitl-10k", action="store_true", help="also park 10,000 runs")
    parser.add_argument("--no-scale", action="store_true", help="skip Ren's scale figures")
    parser.add_argument("--budget", type=int, default=300, help="seconds per measurement")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.jsonl")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rounds = 1 if args.quick else args.rounds
    with args.out.open("w") as log:
        found = jobs(args.quick, args.hitl_10k, scale=not args.no_scale)
        results = run_rounds(found, rounds, args.budget, log)
    print(render(rows(results)))
    if not args.no_scale:
        print()
        print(render_scale(results))


if __name__ == "__main__":
    main()
