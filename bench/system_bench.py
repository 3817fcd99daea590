"""What the command node and the file trigger cost.

command: `true` (a program that does nothing) spawned directly with asyncio against the same
through app.nodes.command_process (own process group, output capture) and as a whole
one-step workflow run on a real engine (trust, templates, the step's commit).
file trigger: from a file written in a watched folder to its run being created, with
`debounce_s` 0 (the watcher's own batching and the engine's work) and 1 (what a user gets
by default: the quiet period comes on top).

    .venv/bin/python bench/system_bench.py [--calls 100] [--files 20]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from app.engine.service import Engine
from app.nodes.command_process import run_process

TRUE = shutil.which("true") or "true"


async def spawn_ms(calls: int) -> dict[str, float]:
    async def direct() -> None:
        process = await asyncio.create_subprocess_exec(TRUE)
        await process.wait()

    async def grouped() -> None:
        await run_process(
            [TRUE], shell=False, cwd=None, env=None, stdin=None, timeout_s=10, limit=1 << 20
        )

    results = {}
    for name, call in (("asyncio spawn", direct), ("command_process", grouped)):
        times = []
        for _ in range(calls):
            begin = time.perf_counter()
            await call()
            times.append((time.perf_counter() - begin) * 1000)
        results[name] = statistics.median(times)
    return results


def flow(nodes: list[dict[str, Any]], wid: str) -> dict[str, Any]:
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"schema": "ren.workflow/1", "id": wid, "name": wid, "nodes": nodes, "edges": edges}


async def engine_ms(home: Path, calls: int, inbox: Path, files: int) -> dict[str, float]:
    results = {}
    async with Engine(home) as engine:
        command = {"id": "c", "type": "command", "config": {"program": TRUE}}
        engine.import_workflow(flow([{"id": "s", "type": "start"}, command], "cmd"), publish=False)
        engine.trust_code("cmd")
        engine.workflows.publish("cmd")
        times = []
        for _ in range(calls):
            begin = time.perf_counter()
            run = await engine.run("cmd", {})
            times.append((time.perf_counter() - begin) * 1000)
            assert run.status == "succeeded"
        results["workflow run of one command"] = statistics.median(times)
        for debounce in (0, 1):
            results[f"file written -> run created, debounce_s {debounce}"] = await trigger_ms(
                engine, inbox / f"d{debounce}", files, debounce
            )
    return results


async def trigger_ms(engine: Engine, folder: Path, files: int, debounce: float) -> float:
    folder.mkdir()
    wid = f"watch{int(debounce)}"
    config = {"folder": str(folder), "debounce_s": debounce}
    engine.import_workflow(flow([{"id": "w", "type": "file_trigger", "config": config}], wid))
    await engine.file_watches.refresh()
    times = []
    for i in range(files):
        before = {r.id for r in engine.list_runs(limit=10_000)}
        begin = time.perf_counter()
        (folder / f"f{i}.txt").write_text("x")
        while not {r.id for r in engine.list_runs(limit=10_000)} - before:
            await asyncio.sleep(0.005)
        times.append((time.perf_counter() - begin) * 1000)
    return statistics.median(times)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--files", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = await spawn_ms(args.calls)
        figures |= await engine_ms(Path(tmp) / "home", args.calls, Path(tmp), args.files)
    width = max(len(k) for k in figures)
    for name, ms in figures.items():
        print(f"{name:<{width}}  {ms:8.1f} ms (median)")


if __name__ == "__main__":
    asyncio.run(main())
