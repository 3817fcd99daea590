"""A real engine process for the storage kill -9 test: `start` begins a run, `resume` only
recovers it. The run increments counters (a chain of increments, each followed by a nap, and
a loop that increments once per item) so a kill lands between, during and after increments."""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path
from typing import Any

from app import register_function
from app.engine.service import Engine

CHAIN = 12
ITEMS = 150


@register_function("kv.nap")
async def nap(state: dict[str, Any], seconds: float = 0.03) -> dict[str, Any]:
    await asyncio.sleep(seconds)
    return {}


def increment(node_id: str, key: str, **extra: Any) -> dict[str, Any]:
    config = {"operation": "increment", "key": key, "scope": "shared"}
    return {"id": node_id, "type": "storage", "config": config, **extra}


def workflow() -> dict[str, Any]:
    chain: list[dict[str, Any]] = []
    for i in range(CHAIN):
        chain.append(increment(f"inc{i}", "chain"))
        chain.append({"id": f"nap{i}", "type": "function", "config": {"function": "kv.nap"}})
    nodes = [
        {"id": "start", "type": "start"},
        *chain,
        {"id": "each", "type": "foreach", "config": {"items": "params.items", "concurrency": 4}},
        increment("item_inc", "loop", parent="each"),
        {
            "id": "item_nap",
            "parent": "each",
            "type": "function",
            "config": {"function": "kv.nap", "args": {"seconds": 0.005}},
        },
        {"id": "end", "type": "end"},
    ]
    ids = ["start", *[c["id"] for c in chain], "each", "end"]
    edges = [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]
    edges.append({"source": "item_inc", "target": "item_nap"})
    return {
        "schema": "ren.workflow/1",
        "id": "counting",
        "name": "counting",
        "nodes": nodes,
        "edges": edges,
    }


async def main(mode: str, home: Path) -> None:
    engine = Engine(home)
    await engine.start(recover=True)
    if mode == "start":
        engine.import_workflow(workflow())
        await engine.start_run("counting", {"items": list(range(ITEMS))})
    while any(r.status not in ("succeeded", "failed", "canceled") for r in engine.list_runs()):
        await asyncio.sleep(0.05)
    await engine.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2])))
