"""A real engine process for the crash tests: `start` begins a run, `resume` only recovers.

Every call of the step function appends `node_key idempotency_key` to calls.log before it
returns, so the test can see which steps ran, how often, and with which key.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import time
from pathlib import Path
from typing import Any

from app import register_function
from app.engine.service import Engine

HOME = Path(sys.argv[2])
CALLS = HOME.parent / "calls.log"


@register_function("crash.step")
async def step(state: dict[str, Any], ctx: Any, pause: float = 0.01) -> dict[str, Any]:
    await asyncio.sleep(pause)
    with CALLS.open("a") as f:
        f.write(f"{ctx.node_key} {ctx.idempotency_key}\n")
    return {"n": state.get("n", 0) + 1}


def workflow() -> dict[str, Any]:
    chain = [
        {"id": f"c{i}", "type": "function", "config": {"function": "crash.step"}} for i in range(30)
    ]
    nodes = [
        {"id": "start", "type": "start"},
        *chain,
        {"id": "each", "type": "foreach", "config": {"items": "params.items", "concurrency": 8}},
        {
            "id": "item",
            "parent": "each",
            "type": "function",
            "config": {"function": "crash.step", "args": {"pause": 0.002}},
        },
        {"id": "end", "type": "end"},
    ]
    ids = ["start", *[c["id"] for c in chain], "each", "end"]
    edges = [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]
    return {
        "schema": "ren.workflow/1",
        "id": "crashy",
        "name": "crashy",
        "nodes": nodes,
        "edges": edges,
    }


async def main(mode: str) -> None:
    engine = Engine(HOME)
    await engine.start(recover=True)
    if mode == "start":
        engine.import_workflow(workflow())
        await engine.start_run("crashy", {"items": list(range(2000))})
    while any(r.status not in ("succeeded", "failed", "canceled") for r in engine.list_runs()):
        await asyncio.sleep(0.05)
    await engine.stop()
    print("done", time.time())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
