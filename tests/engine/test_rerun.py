"""Re-run from here on a real engine: upstream steps are reused (their functions are not called
again), the chosen node runs with its old or an edited input, and refusals say why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import register_function
from app.engine.rerun import RerunRefused, rerun_from, rerun_origin
from app.engine.service import Engine
from app.engine.workflows import NotFound

CALLS: list[str] = []


@register_function("rerun.fetch")
def fetch(state: dict[str, Any]) -> dict[str, Any]:
    CALLS.append("fetch")
    return {**state, "n": state.get("n", 0) + 1, "fetched": True}


@register_function("rerun.double")
def double(state: dict[str, Any]) -> dict[str, Any]:
    CALLS.append("double")
    if state.get("fail"):
        raise ValueError("told to fail")
    return {"n": state["n"] * 2}


@register_function("rerun.side")
def side(state: dict[str, Any]) -> dict[str, Any]:
    CALLS.append("side")
    return {"side": True}


def workflow() -> dict[str, Any]:
    """start -> fetch -> double -> end, and start -> side (a branch that is not upstream of
    double but does not depend on it either)."""

    def fn(node_id: str, name: str) -> dict[str, Any]:
        return {"id": node_id, "type": "function", "config": {"function": name}}

    return {
        "schema": "ren.workflow/1",
        "id": "rr",
        "name": "Re-run",
        "nodes": [
            {"id": "start", "type": "start"},
            fn("fetch", "rerun.fetch"),
            fn("double", "rerun.double"),
            fn("side", "rerun.side"),
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"source": "start", "target": "fetch"},
            {"source": "fetch", "target": "double"},
            {"source": "double", "target": "end"},
            {"source": "start", "target": "side"},
        ],
    }


@pytest.fixture(autouse=True)
def fresh_calls() -> None:
    CALLS.clear()


async def finished(engine: Engine, input: dict[str, Any]) -> str:
    engine.import_workflow(workflow())
    run = await engine.run("rr", input)
    CALLS.clear()
    return run.id


def step(engine: Engine, run_id: str, key: str) -> Any:
    (found,) = [s for s in engine.steps(run_id) if s.node_key == key]
    return found


async def test_rerun_reuses_upstream_outputs_and_runs_from_the_node(engine: Engine) -> None:
    old = await finished(engine, {"n": 4})
    new = await rerun_from(engine, old, "double")
    run = await engine.wait(new)
    assert run.status == "succeeded"
    assert CALLS == ["double"]  # fetch (upstream) and side (not after double) were reused
    assert run.output == {"n": 10}
    assert step(engine, new, "fetch").output == step(engine, old, "fetch").output
    assert step(engine, new, "double").input == {"n": 5, "fetched": True}
    assert run.version_id == engine.get_run(old).version_id
    assert rerun_origin(engine.events(new)) == (old, "double")
    assert rerun_origin(engine.events(old)) is None


async def test_an_edited_input_replaces_the_nodes_input(engine: Engine) -> None:
    old = await finished(engine, {"n": 4})
    new = await rerun_from(engine, old, "double", {"n": 21})
    run = await engine.wait(new)
    assert (run.status, run.output, CALLS) == ("succeeded", {"n": 42}, ["double"])
    assert step(engine, new, "double").input == {"n": 21}
    assert engine.events(new)[0].data["edited_input"] is True


async def test_a_failed_run_is_rerun_from_its_failed_node_with_a_fixed_input(
    engine: Engine,
) -> None:
    engine.import_workflow(workflow())
    failed = await engine.run("rr", {"n": 1, "fail": True})
    assert failed.status == "failed"
    CALLS.clear()
    new = await rerun_from(engine, failed.id, "double", {"n": 3})
    run = await engine.wait(new)
    assert (run.status, run.output, CALLS) == ("succeeded", {"n": 6}, ["double"])
    assert engine.get_run(failed.id).status == "failed"  # the old run is left as it was


async def test_rerun_from_an_upstream_node_runs_everything_after_it(engine: Engine) -> None:
    old = await finished(engine, {"n": 1})
    run = await engine.wait(await rerun_from(engine, old, "fetch"))
    assert run.status == "succeeded" and sorted(CALLS) == ["double", "fetch"]


async def test_refusals_say_why(engine: Engine) -> None:
    old = await finished(engine, {"n": 1})
    with pytest.raises(RerunRefused, match="no node 'nope'"):
        await rerun_from(engine, old, "nope")
    with pytest.raises(RerunRefused, match="is a trigger"):
        await rerun_from(engine, old, "start")
    with pytest.raises(NotFound):
        await rerun_from(engine, "no-such-run", "double")


async def test_a_node_inside_a_loop_or_one_that_never_ran_is_refused(engine: Engine) -> None:
    doc = {
        "schema": "ren.workflow/1",
        "id": "loop",
        "name": "Loop",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "each", "type": "foreach", "config": {"items": "{{ input['items'] }}"}},
            {"id": "body", "type": "set", "parent": "each", "config": {"values": {"x": "1"}}},
            {"id": "check", "type": "if", "config": {"condition": "input.go"}},
            {"id": "yes", "type": "set", "config": {"values": {"ok": "1"}}},
        ],
        "edges": [
            {"source": "start", "target": "check"},
            {"source": "check", "source_port": "true", "target": "yes"},
            {"source": "check", "source_port": "false", "target": "each"},
        ],
    }
    engine.import_workflow(doc)
    run = await engine.run("loop", {"go": True, "items": [1, 2]})
    assert run.status == "succeeded"
    with pytest.raises(RerunRefused, match="inside the loop 'each'"):
        await rerun_from(engine, run.id, "body")
    with pytest.raises(RerunRefused, match="did not run"):
        await rerun_from(engine, run.id, "each")  # skipped: the true branch was taken


def ask_flow(then: dict[str, Any] | None = None) -> dict[str, Any]:
    """Workflow `ask`: start -> ask (a human task "Go?"), and on submit -> `then` if given."""
    nodes: list[dict[str, Any]] = [
        {"id": "start", "type": "start"},
        {"id": "ask", "type": "human_task", "config": {"title": "Go?"}},
    ]
    edges = [{"source": "start", "target": "ask"}]
    if then is not None:
        nodes.append(then)
        edges.append({"source": "ask", "source_port": "submit", "target": then["id"]})
    return {"schema": "ren.workflow/1", "id": "ask", "name": "Ask", "nodes": nodes, "edges": edges}


async def test_a_run_still_in_flight_is_refused(engine: Engine) -> None:
    engine.import_workflow(ask_flow())
    run = await engine.run("ask", {})
    assert run.status == "waiting"
    with pytest.raises(RerunRefused, match="is waiting"):
        await rerun_from(engine, run.id, "ask")


def test_the_python_api_reruns_from_a_node(tmp_path: Path) -> None:
    import app

    with app.open(tmp_path / "home") as ren:
        ren.import_workflow(workflow())
        first = ren.run("rr", {"n": 2})
        CALLS.clear()
        again = ren.wait(ren.rerun(first.id, "double", {"n": 50}))
        assert (again.status, again.output, CALLS) == ("succeeded", {"n": 100}, ["double"])
        same = ren.wait(ren.rerun(first.id, "double"))
        assert same.output == first.output


async def test_a_persons_answer_upstream_is_reused_not_asked_again(engine: Engine) -> None:
    engine.import_workflow(
        ask_flow({"id": "after", "type": "set", "config": {"values": {"seen": "yes"}}})
    )
    run = await engine.run("ask", {})
    (task,) = engine.tasks.open_tasks(run_id=run.id)
    engine.tasks.complete(task["id"], "submit", {}, by="maria")
    assert (await engine.wait(run.id)).status == "succeeded"
    again = await engine.wait(await rerun_from(engine, run.id, "after"))
    assert again.status == "succeeded"
    assert engine.tasks.open_tasks() == []  # nobody is asked again
    assert step(engine, again.id, "ask").output == step(engine, run.id, "ask").output
