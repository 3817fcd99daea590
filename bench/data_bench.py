"""What the data nodes and the storage node cost, on a real engine in a temporary data folder.

    .venv/bin/python bench/data_bench.py

Prints medians of a few runs: one-step runs over 10,000 rows (a set node that passes the rows
on, as the baseline any step with that much data costs, next to sort, aggregate, remove
duplicates, write_csv and parse_csv), and a storage increment next to a set node (what its
read and its write in the step's transaction add), plus the node functions alone on 100,000
rows (no engine).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from timing import median_run_ms

from app.engine.service import Engine
from app.nodes.data_aggregate import AggregateConfig, AggregateNode
from app.nodes.data_lists import SortConfig, SortNode
from tests.flows import chain


def rows(count: int) -> list[dict[str, Any]]:
    rng = random.Random(1)
    return [
        {"id": i, "country": rng.choice("ABCDEFGH"), "amount": rng.randint(1, 1000)}
        for i in range(count)
    ]


SORT = {"by": [{"field": "country"}, {"field": "amount", "order": "desc"}]}
AGGREGATE = {
    "group_by": ["country"],
    "aggregations": [{"op": "sum", "field": "amount"}, {"op": "count"}],
}

WORKFLOWS: dict[str, dict[str, Any]] = {
    "set (baseline)": {"type": "set", "config": {"values": {"n": 1}}},
    "sort (2 keys)": {"type": "sort", "config": SORT},
    "aggregate (8 groups)": {"type": "aggregate", "config": AGGREGATE},
    "remove_duplicates": {"type": "remove_duplicates", "config": {"fields": ["country"]}},
    "write_csv": {"type": "write_csv", "config": {}},
}


async def main() -> None:
    data = {"items": rows(10_000)}
    with tempfile.TemporaryDirectory() as folder:
        async with Engine(Path(folder) / "home") as engine:
            print("one-step run over 10,000 rows (median ms):")
            for index, (name, node) in enumerate(WORKFLOWS.items()):
                engine.import_workflow(chain(f"w{index}", node))
                print(f"  {name:<22} {await median_run_ms(engine, f'w{index}', data):8.1f}")
            engine.import_workflow(
                chain("csv", {"type": "parse_csv", "config": {"text": "{{ params.text }}"}})
            )
            text = engine.steps((await engine.run("w4", data)).id)[1].output["text"]
            print(f"  {'parse_csv':<22} {await median_run_ms(engine, 'csv', {'text': text}):8.1f}")
            engine.import_workflow(
                chain("inc", {"type": "storage", "config": {"operation": "increment", "key": "n"}})
            )
            engine.import_workflow(chain("plain", {"type": "set", "config": {"values": {}}}))
            plain = await median_run_ms(engine, "plain", {}, runs=50)
            inc = await median_run_ms(engine, "inc", {}, runs=50)
            print(f"one-step run, ms: set {plain:.2f}, storage increment {inc:.2f}")
    many = rows(100_000)
    for label, node, config in (
        ("sort", SortNode(), SortConfig.model_validate(SORT)),
        ("aggregate", AggregateNode(), AggregateConfig.model_validate(AGGREGATE)),
    ):
        times = []
        for _ in range(3):
            started = time.perf_counter()
            await node.execute(None, config, many)  # type: ignore[arg-type]
            times.append((time.perf_counter() - started) * 1000)
        print(f"{label} of 100,000 rows alone: {statistics.median(times):.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
