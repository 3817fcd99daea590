"""The data folder's function library on real engines: each engine sees its own folder's
functions, a watched folder reloads while runs wait, and a step runs one version of its
function from start to end."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from app.engine.service import Engine
from app.nodes.functions import REGISTRY
from tests.conftest import chain_workflow

VERSIONED = """
from app import register_function

VERSION = {version}


@register_function("lib.version")
def version(state):
    return {{"version": VERSION, "before": state.get("version")}}
"""

GATED = '''
import pathlib
import time

from app import register_function

VERSION = {version}


@register_function("lib.gated")
def gated(state, folder: str):
    """Wait for the test's go-ahead, then say which version ran."""
    pathlib.Path(folder, "entered").touch()
    while not pathlib.Path(folder, "go").exists():
        time.sleep(0.01)
    return {{"version": VERSION}}
'''


def write(home: Path, name: str, text: str) -> Path:
    folder = home / "functions"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def reloaded(engine: Engine) -> threading.Event:
    """Set at the engine's next library reload."""
    done = threading.Event()
    engine.functions.on_reload(lambda snapshot: done.set())
    return done


async def test_each_engine_validates_and_runs_its_own_folders_functions(tmp_path: Path) -> None:
    write(tmp_path / "a", "mine.py", VERSIONED.format(version=1))
    flow = chain_workflow({"type": "function", "config": {"function": "lib.version"}})
    async with Engine(tmp_path / "a") as a, Engine(tmp_path / "b") as b:
        spec = a.workflows.import_document(flow)
        assert a.validate(spec) == []
        (problem,) = b.validate(spec)
        assert problem.message == "function 'lib.version' is not registered"
        assert "lib.version" not in REGISTRY  # nothing leaked into the process-wide registry
        a.import_workflow(flow)
        run = await a.run("wf")
        assert run.status == "succeeded", run.error
        assert run.output == {"version": 1, "before": None}


async def test_a_file_edited_while_a_run_waits_is_used_by_the_next_step(home: Path) -> None:
    source = write(home, "versioned.py", VERSIONED.format(version=1))
    flow = chain_workflow(
        {"type": "function", "config": {"function": "lib.version"}},
        {"type": "human_task", "config": {"title": "Next?", "outcomes": [{"name": "out"}]}},
        {"type": "function", "config": {"function": "lib.version"}},
    )
    engine = Engine(home, watch_functions=True)
    await engine.start()
    try:
        assert engine.watcher is not None
        await asyncio.wait_for(engine.watcher.ready.wait(), 30)
        engine.import_workflow(flow)
        run = await engine.run("wf")
        assert run.status == "waiting"
        done = reloaded(engine)
        source.write_text(VERSIONED.format(version=2))
        assert await asyncio.to_thread(done.wait, 30), "the change was not picked up"
        (task,) = engine.tasks.open_tasks(run_id=run.id)
        engine.tasks.complete(task["id"], "out", {})
        finished = await engine.wait(run.id, 30)
        assert finished.status == "succeeded", finished.error
        outputs = {s.node_key: s.output for s in engine.steps(run.id)}
        assert outputs["n1"] == {"version": 1, "before": None}
        assert outputs["n3"] == {"version": 2, "before": None}

        done = reloaded(engine)
        source.write_text("this is not python (\n")
        assert await asyncio.to_thread(done.wait, 30)
        (problem,) = engine.functions.snapshot.problems
        assert str(problem) == "versioned.py:1: syntax error: '(' was never closed"
        assert "lib.version" not in engine.functions
    finally:
        await engine.stop()


async def test_a_step_runs_one_version_from_start_to_end(home: Path, tmp_path: Path) -> None:
    source = write(home, "gated.py", GATED.format(version=1))
    gate = tmp_path / "gate"
    gate.mkdir()
    args: dict[str, Any] = {"folder": str(gate)}
    flow = chain_workflow(
        {"type": "function", "config": {"function": "lib.gated", "args": args}},
        {"type": "function", "config": {"function": "lib.gated", "args": args}},
    )
    async with Engine(home) as engine:
        engine.import_workflow(flow)
        run_id = await engine.start_run("wf")
        while not (gate / "entered").exists():
            await asyncio.sleep(0.01)
        source.write_text(GATED.format(version=2))
        await asyncio.to_thread(engine.functions.reload)  # mid-step: n1 keeps version 1
        (gate / "go").touch()
        run = await engine.wait(run_id, 30)
        assert run.status == "succeeded", run.error
        outputs = {s.node_key: s.output for s in engine.steps(run_id)}
        assert (outputs["n1"], outputs["n2"]) == ({"version": 1}, {"version": 2})
