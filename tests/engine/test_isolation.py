"""Isolated function nodes on a real engine, with real worker processes: a timeout or a cancel
kills the process, a memory limit stops a greedy function, and outputs come back exactly."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

from app import register_function
from app.engine.service import Engine
from app.nodes.functions import REGISTRY
from tests.conftest import chain_workflow

FUNCTIONS = '''
import os
import pathlib
import time

from app import register_function


@register_function("iso.values")
def values(state, ctx):
    return {
        "n": state["n"] + 1,
        "big": 2**53 + 1,
        "ratio": 0.5,
        "items": [1, "two", None, True],
        "pid": os.getpid(),
        "key": ctx.idempotency_key,
        "data_dir": str(ctx.data_dir),
    }


@register_function("iso.hang")
def hang(state, folder: str):
    """Say which process runs it, then never return."""
    pathlib.Path(folder, f"pid-{os.getpid()}").touch()
    while True:
        time.sleep(0.05)


@register_function("iso.greedy")
def greedy(state, mb: int):
    block = bytearray(mb * 1024 * 1024)
    return {"allocated": len(block)}
'''


def library(engine: Engine) -> None:
    folder = engine.folder.root / "functions"
    folder.mkdir(exist_ok=True)
    (folder / "iso.py").write_text(FUNCTIONS)
    engine.functions.reload()


def isolated(function: str, wid: str, **extra: Any) -> dict[str, Any]:
    config = {"function": function, "isolate": True, **extra.pop("config", {})}
    return chain_workflow({"type": "function", "config": config, **extra}, wid=wid)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def pids_written(folder: Path, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while len(list(folder.glob("pid-*"))) < count:
        assert time.monotonic() < deadline, "the isolated function never started"
        await asyncio.sleep(0.02)
    return [int(p.name.removeprefix("pid-")) for p in folder.glob("pid-*")]


async def gone(pid: int) -> bool:
    deadline = time.monotonic() + 10  # pebble terminates, waits up to 3 s, then kills
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_an_isolated_function_runs_in_another_process_and_its_output_round_trips(
    engine: Engine,
) -> None:
    library(engine)
    engine.import_workflow(isolated("iso.values", "values"))
    run = await engine.run("values", {"n": 41})
    assert run.status == "succeeded", run.error
    out = run.output
    assert out["n"] == 42 and type(out["n"]) is int
    assert out["big"] == 2**53 + 1 and type(out["big"]) is int
    assert out["ratio"] == 0.5 and out["items"] == [1, "two", None, True]
    assert out["pid"] != os.getpid()
    assert out["key"] == f"{run.id}:n1:1"
    assert out["data_dir"] == str(engine.folder.root / "runs" / run.id)  # the run's own folder


async def test_a_hung_isolated_function_times_out_and_its_process_is_killed(
    engine: Engine, tmp_path: Path
) -> None:
    library(engine)
    flow = isolated(
        "iso.hang",
        "hung",
        config={"args": {"folder": str(tmp_path)}},
        timeout_s=1,
        retry={"max_attempts": 2, "backoff_s": 0},
    )
    engine.import_workflow(flow)
    run = await engine.run("hung")
    assert run.status == "failed"
    steps = [s for s in engine.steps(run.id) if s.node_id == "n1"]
    assert [s.attempt for s in steps] == [1, 2]  # the retry policy applies
    assert all(s.error and s.error["type"] == "StepTimeout" for s in steps)
    pids = await pids_written(tmp_path, 2)
    assert len(set(pids)) == 2  # the second attempt ran in a fresh worker
    for pid in pids:
        assert await gone(pid), f"worker {pid} still runs"


async def test_canceling_a_run_kills_its_isolated_function(engine: Engine, tmp_path: Path) -> None:
    library(engine)
    engine.import_workflow(
        isolated("iso.hang", "stuck", config={"args": {"folder": str(tmp_path)}})
    )
    run_id = await engine.start_run("stuck")
    (pid,) = await pids_written(tmp_path, 1)
    assert await asyncio.wait_for(engine.control.cancel(run_id), timeout=10) == "canceled"
    assert engine.get_run(run_id).status == "canceled"
    assert await gone(pid), f"worker {pid} still runs"


async def test_a_function_over_its_memory_limit_fails_clearly(engine: Engine) -> None:
    library(engine)
    flow = isolated("iso.greedy", "greedy", config={"args": {"mb": 600}, "memory_mb": 300})
    engine.import_workflow(flow)
    run = await engine.run("greedy")
    assert run.status == "failed"
    error = engine.steps(run.id)[1].error
    assert error is not None
    assert error["type"] == "MemoryError"
    assert error["message"] == "the function used more than 300 MB"
    small = isolated("iso.greedy", "small", config={"args": {"mb": 10}, "memory_mb": 300})
    engine.import_workflow(small)
    ok = await engine.run("small")  # the same workers, within the limit
    assert ok.status == "succeeded", ok.error
    assert ok.output == {"allocated": 10 * 1024 * 1024}


@register_function("iso.from_module")
def from_module(state: dict[str, Any]) -> dict[str, Any]:
    return {"pid": os.getpid()}


async def test_a_function_from_an_importable_module_runs_isolated(engine: Engine) -> None:
    engine.import_workflow(isolated("iso.from_module", "module"))
    run = await engine.run("module")
    assert run.status == "succeeded", run.error
    assert run.output["pid"] != os.getpid()


async def test_a_notebook_function_cannot_run_isolated(engine: Engine) -> None:
    cell: dict[str, Any] = {"__name__": "__main__"}  # what a notebook cell's code runs in
    exec("def in_cell(state):\n    return {}\n", cell)
    REGISTRY.register("iso.in_cell")(cell["in_cell"])
    try:
        spec = engine.workflows.import_document(isolated("iso.in_cell", "cell"))
        (problem,) = engine.validate(spec)
        assert problem.node_id == "n1" and problem.field == "config.isolate"
        assert problem.message == (
            "function 'iso.in_cell' cannot run isolated: it is not defined in a file "
            "(put it in the function library)"
        )
        flow = chain_workflow({"type": "function", "config": {"function": "iso.in_cell"}})
        assert engine.validate(engine.workflows.import_document(flow)) == []
    finally:
        REGISTRY.unregister("iso.in_cell")


async def test_a_memory_limit_without_isolation_is_a_problem(engine: Engine) -> None:
    library(engine)
    node = {"function": "iso.greedy", "args": {"mb": 1}, "memory_mb": 100}
    spec = engine.workflows.import_document(chain_workflow({"type": "function", "config": node}))
    (problem,) = engine.validate(spec)
    assert (problem.field, problem.message) == (
        "config.memory_mb",
        "a memory limit needs isolate: true",
    )
