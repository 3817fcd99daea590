"""Ren side by side with LangGraph and DBOS, in one run: alternating rounds, one process per
measurement, medians across rounds, and Ren's ratio to the best peer.

    python bench/run.py                 # chain, foreach and HITL (1,000 parked), 3 rounds
    python bench/run.py --hitl-10k      # also park 10,000 runs (one round; slow for DBOS)
    python bench/run.py --quick         # small sizes, 1 round: checks that everything runs

Needs the `bench` extra (LangGraph, DBOS): pip install -e ".[bench]". Every system is durable:
Ren commits each completed step before the next starts; LangGraph runs with durability="sync";
DBOS commits each step. Ren is measured at SQLite synchronous=FULL (what both peers use) and
at its default NORMAL; the targets are held at equal settings (FULL).
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
    workload: str  # chain5 | chain20 | foreach | hitl1k | hitl10k
    argv: tuple[str, ...]


def jobs(quick: bool, hitl_10k: bool) -> list[Job]:
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
            if workload == "hitl10k" and round_no > 0:
                continue  # one round is enough (and DBOS needs its whole budget)
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
    target: float  # Ren (FULL) / best peer must be <= target (lower) or >= target (higher)


def rows(results: dict[tuple[str, str], list[dict[str, Any]]]) -> list[Row]:
    def values(workload: str, key: str) -> dict[str, float | None]:
        return {s: median(results.get((s, workload), []), key) for s in SYSTEMS}

    chain5, chain20 = values("chain5", "run_ms_median"), values("chain20", "run_ms_median")
    marginal = {
        s: (chain20[s] - chain5[s]) / 15
        if chain20[s] is not None and chain5[s] is not None
        else None
        for s in SYSTEMS
    }
    table = [
        Row("5-node run, ms", chain5, True, 1.0),
        Row("20-node run, ms", chain20, True, 1 / 5),
        Row("marginal durable step, ms", marginal, True, 1 / 6),
        Row("10,000-item foreach, items/s", values("foreach", "items_per_s"), False, 10.0),
    ]
    for workload, label in (("hitl1k", "1,000"), ("hitl10k", "10,000")):
        if not any(results.get((s, workload)) for s in SYSTEMS):
            continue
        table += [
            Row(f"park {label}: runs/s", values(workload, "park_per_s"), False, 10.0),
            Row(
                f"park {label}: KB RSS per parked run",
                values(workload, "kb_per_parked_run"),
                True,
                0.0,
            ),
            Row(
                f"park {label}: threads while parked", values(workload, "threads_parked"), True, 0.0
            ),
            Row(f"park {label}: idle CPU %", values(workload, "idle_cpu_pct_parked"), True, 0.0),
            Row(f"resume all {label}: runs/s", values(workload, "resume_all_per_s"), False, 10.0),
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
        "| target |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table:
        peers = [v for k, v in row.values.items() if k in ("langgraph", "dbos") and v]
        best = (min(peers) if row.lower_is_better else max(peers)) if peers else None
        ren = row.values["ren-full"]
        ratio = f"{ren / best:.2f}×" if ren is not None and best else "–"
        if row.target == 0.0:
            target = "≈ 0"
        elif row.lower_is_better:
            target = f"≤ {row.target:.2f}×"
        else:
            target = f"≥ {row.target:.0f}×"
        cells = [_fmt(row.values[s]) for s in SYSTEMS]
        out.append(f"| {row.name} | " + " | ".join(cells) + f" | {ratio} | {target} |")
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
    parser.add_argument("--budget", type=int, default=300, help="seconds per measurement")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.jsonl")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rounds = 1 if args.quick else args.rounds
    with args.out.open("w") as log:
        results = run_rounds(jobs(args.quick, args.hitl_10k), rounds, args.budget, log)
    print(render(rows(results)))


if __name__ == "__main__":
    main()
