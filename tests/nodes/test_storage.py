"""The storage node on a real engine: each operation, scopes, bad input, and that a change
commits with its step (a step that fails writes nothing; concurrent runs all count)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.engine.workflows import WorkflowInvalid
from tests.conftest import chain_workflow
from tests.flows import step_outputs

Edge = tuple[str, str]  # (source node id, target node id)


def storage(**config: Any) -> dict[str, Any]:
    return {"type": "storage", "config": config}


async def run_chain(engine: Engine, *nodes: dict[str, Any], wid: str = "wf", **input: Any) -> Any:
    engine.import_workflow(chain_workflow(*nodes, wid=wid))
    return await engine.run(wid, input)


def loop(concurrency: int, *body: dict[str, Any], edges: Iterable[Edge] = ()) -> dict[str, Any]:
    """Workflow `loop`: start -> each (over params.items, `concurrency` at a time; `body`
    inside it, with `edges` between those nodes) -> end."""
    each = {"items": "params.items", "concurrency": concurrency}
    return {
        "schema": "ren.workflow/1",
        "id": "loop",
        "name": "loop",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "each", "type": "foreach", "config": each},
            *({"parent": "each", **node} for node in body),
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "start", "target": "each"}, {"source": "each", "target": "end"}]
        + [{"source": a, "target": b} for a, b in edges],
    }


def stored(home: Path) -> dict[tuple[str, str], str]:
    with sqlite3.connect(home / "ren.sqlite") as conn:
        return {(s, k): v for s, k, v in conn.execute("SELECT scope, key, value FROM kv")}


async def test_set_then_get_in_the_same_run_and_the_next(engine: Engine, home: Path) -> None:
    run = await run_chain(
        engine,
        storage(operation="get", key="greeting", default="none yet"),
        storage(operation="set", key="greeting", value="{{ params.text }}"),
        storage(operation="get", key="greeting"),
        text="hello",
    )
    assert run.status == "succeeded"
    out = step_outputs(engine, run.id)
    assert out["n1"] == {"key": "greeting", "value": "none yet", "found": False}
    assert out["n2"] == {"key": "greeting", "value": "hello"}
    assert out["n3"] == {"key": "greeting", "value": "hello", "found": True}
    assert stored(home) == {("workflow:wf", "greeting"): '"hello"'}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{{ params.obj }}", {"a": [1, 2.5, None, True], "b": "x"}),
        ("{{ 2 ** 70 }}", 2**70),
        ("{{ 3 }}", 3),
        ("{{ 3.0 }}", 3.0),
        ("text {{ params.obj.b }}", "text x"),
        ({"nested": "{{ params.obj.b }}"}, {"nested": "x"}),
        (None, None),
    ],
)
async def test_set_keeps_json_values_and_their_kind(
    engine: Engine, value: Any, expected: Any
) -> None:
    run = await run_chain(
        engine,
        storage(operation="set", key="k", value=value),
        storage(operation="get", key="k", default="missing"),
        obj={"a": [1, 2.5, None, True], "b": "x"},
    )
    got = step_outputs(engine, run.id)["n2"]
    assert got["found"] is True
    assert got["value"] == expected and type(got["value"]) is type(expected)


async def test_increment_counts_across_runs_ints_stay_ints(engine: Engine, home: Path) -> None:
    engine.import_workflow(chain_workflow(storage(operation="increment", key="hits")))
    values = [
        step_outputs(engine, (await engine.run("wf", {})).id)["n1"]["value"] for _ in range(3)
    ]
    assert values == [1, 2, 3]
    assert all(type(v) is int for v in values)
    assert stored(home) == {("workflow:wf", "hits"): "3"}


@pytest.mark.parametrize(
    ("steps", "final"),
    [
        ([5, -2], 3),
        ([1, 0.5], 1.5),
        (["{{ params.n }}", "{{ params.n * 2 }}"], 21),
        ([0.25, 0.75], 1.0),
    ],
)
async def test_increment_by_numbers_and_expressions(
    engine: Engine, steps: list[Any], final: Any
) -> None:
    run = await run_chain(
        engine,
        *[storage(operation="increment", key="n", by=by) for by in steps],
        storage(operation="get", key="n"),
        n=7,
    )
    assert run.status == "succeeded", run.error
    value = step_outputs(engine, run.id)[f"n{len(steps) + 1}"]["value"]
    assert value == final and type(value) is type(final)


async def test_append_keeps_the_newest_items(engine: Engine, home: Path) -> None:
    engine.import_workflow(
        chain_workflow(
            storage(operation="append", key="recent", value="{{ params }}", max_length=3)
        )
    )
    lengths = []
    for i in range(5):
        run = await engine.run("wf", {"i": i})
        lengths.append(step_outputs(engine, run.id)["n1"]["length"])
    last = step_outputs(engine, run.id)["n1"]
    assert lengths == [1, 2, 3, 3, 3]
    assert last["value"] == [{"i": 2}, {"i": 3}, {"i": 4}]
    assert stored(home)[("workflow:wf", "recent")] == '[{"i":2},{"i":3},{"i":4}]'


async def test_delete_removes_the_key(engine: Engine, home: Path) -> None:
    run = await run_chain(
        engine,
        storage(operation="set", key="k", value=1),
        storage(operation="delete", key="k"),
        storage(operation="delete", key="k"),
        storage(operation="get", key="k"),
    )
    out = step_outputs(engine, run.id)
    assert out["n2"] == {"key": "k", "deleted": True}
    assert out["n3"] == {"key": "k", "deleted": False}
    assert out["n4"]["found"] is False
    assert stored(home) == {}


async def test_workflow_keys_are_private_and_shared_keys_are_not(engine: Engine) -> None:
    for wid in ("a", "b"):
        await run_chain(
            engine,
            storage(operation="increment", key="count"),
            storage(operation="increment", key="count", scope="shared"),
            wid=wid,
        )
    run = await run_chain(
        engine,
        storage(operation="get", key="count"),
        storage(operation="get", key="count", scope="shared"),
        wid="b",
    )
    out = step_outputs(engine, run.id)
    assert out["n1"]["value"] == 1  # b's own counter
    assert out["n2"]["value"] == 2  # both workflows counted


async def test_the_key_is_a_template(engine: Engine, home: Path) -> None:
    await run_chain(engine, storage(operation="set", key="seen-{{ params.id }}", value=True), id=42)
    assert stored(home) == {("workflow:wf", "seen-42"): "true"}


async def test_concurrent_runs_all_count(engine: Engine, home: Path) -> None:
    engine.import_workflow(
        chain_workflow(
            storage(operation="increment", key="total", scope="shared"),
            storage(operation="append", key="log", value="{{ params.i }}", max_length=1000),
        )
    )
    run_ids = await asyncio.gather(*(engine.start_run("wf", {"i": i}) for i in range(40)))
    runs = await asyncio.gather(*(engine.wait(r) for r in run_ids))
    assert {r.status for r in runs} == {"succeeded"}
    data = stored(home)
    assert data[("shared", "total")] == "40"
    assert sorted(int(x) for x in data[("workflow:wf", "log")][1:-1].split(",")) == list(range(40))


async def test_increments_in_a_loop_count_once_per_item(engine: Engine, home: Path) -> None:
    spec = loop(8, {"id": "inc", **storage(operation="increment", key="n", by="{{ item }}")})
    engine.import_workflow(spec)
    run = await engine.run("loop", {"items": list(range(1, 101))})
    assert run.status == "succeeded", run.error
    assert stored(home) == {("workflow:loop", "n"): str(sum(range(1, 101)))}


async def test_a_step_that_fails_after_running_writes_nothing(engine: Engine, home: Path) -> None:
    """The edge's `when` fails after the node ran: its step fails, and so does its write."""
    spec = chain_workflow(storage(operation="increment", key="n"))
    spec["edges"][1]["when"] = "input.value / 0 > 1"  # fails only when evaluated
    engine.import_workflow(spec)
    run = await engine.run("wf", {})
    assert run.status == "failed"
    step = engine.steps(run.id)[1]  # the storage step itself failed, so its write too
    assert step.status == "failed" and "division by zero" in step.error["message"]
    assert stored(home) == {}


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        (
            storage(operation="set", key="k", value="text"),
            storage(operation="increment", key="k"),
            "cannot increment 'k': it holds text",
        ),
        (
            storage(operation="set", key="k", value=True),
            storage(operation="increment", key="k"),
            "cannot increment 'k': it holds true/false",
        ),
        (
            storage(operation="set", key="k", value=1),
            storage(operation="append", key="k", value=2),
            "cannot append to 'k': it holds a number, not a list",
        ),
        (
            storage(operation="get", key="k"),
            storage(operation="increment", key="k", by="{{ 'x' }}"),
            "increment of 'k': by is text, not a number",
        ),
        (
            storage(operation="get", key="k"),
            storage(operation="set", key="{{ '' }}", value=1),
            "the key '{{ '' }}' gave empty text",
        ),
        (
            storage(operation="get", key="k"),
            storage(operation="set", key="{{ 'x' * 600 }}"),
            "the key is 600 characters, over 500",
        ),
        (
            storage(operation="get", key="k"),
            storage(operation="set", key="k", value="{{ params.nan }}"),
            "cannot store 'k': ",
        ),
    ],
)
async def test_bad_runtime_input_fails_the_step_saying_why(
    engine: Engine, home: Path, first: dict[str, Any], second: dict[str, Any], message: str
) -> None:
    before = None
    engine.import_workflow(chain_workflow(first, second))
    run = await engine.run("wf", {"nan": float("nan")} if "nan" in str(second) else {})
    before = stored(home)
    assert run.status == "failed"
    error = engine.steps(run.id)[2].error
    assert error is not None and error["message"].startswith(message), error
    assert stored(home) == before  # the failing step changed nothing


@pytest.mark.parametrize(
    ("config", "field", "text"),
    [
        ({"operation": "get", "key": ""}, "key", "the key is empty"),
        ({"operation": "get", "key": "a {{ b"}, "key", ""),
        ({"operation": "increment", "key": "k", "by": "lots"}, "by", "'lots' is not a number"),
        ({"operation": "set", "key": "k", "value": {"x": "{{ 1 + }}"}}, "value.x", ""),
        ({"operation": "append", "key": "k", "max_length": 0}, "max_length", ""),
        ({"operation": "pop", "key": "k"}, "operation", ""),
    ],
)
async def test_config_problems_show_before_publishing(
    engine: Engine, config: dict[str, Any], field: str, text: str
) -> None:
    with pytest.raises(WorkflowInvalid) as refused:
        engine.import_workflow(chain_workflow({"type": "storage", "config": config}))
    problems = [p for p in refused.value.problems if p.node_id == "n1"]
    assert problems, refused.value
    assert any((p.field or "").endswith(field) and text in p.message for p in problems), problems


async def test_a_loop_item_reads_what_earlier_items_wrote(engine: Engine) -> None:
    """Loop items' steps are staged, not committed, when the next step runs: a read still
    sees their writes."""
    spec = loop(
        1,
        {"id": "inc", **storage(operation="increment", key="n")},
        {"id": "get", **storage(operation="get", key="n")},
        edges=[("inc", "get")],
    )
    engine.import_workflow(spec)
    run = await engine.run("loop", {"items": list(range(20))})
    assert run.status == "succeeded", run.error
    steps = [s for s in engine.steps(run.id) if s.node_id in ("inc", "get")]
    by_item = {(s.node_id, s.node_key.removeprefix(s.node_id)): s.output["value"] for s in steps}
    increments = [by_item[("inc", f"[{i}]")] for i in range(20)]
    assert increments == list(range(1, 21))  # one at a time: each sees the ones before
    assert all(by_item[("get", f"[{i}]")] == increments[i] for i in range(20))


async def test_python_reads_and_writes_the_same_keys(engine: Engine) -> None:
    engine.storage.set("rate", 1.5)
    engine.storage.set("limit", {"max": 3}, workflow="wf")
    run = await run_chain(
        engine,
        storage(operation="get", key="rate", scope="shared"),
        storage(operation="get", key="limit"),
        storage(operation="increment", key="runs"),
    )
    out = step_outputs(engine, run.id)
    assert out["n1"]["value"] == 1.5 and out["n2"]["value"] == {"max": 3}
    assert engine.storage.get("runs", workflow="wf") == 1
    assert engine.storage.get("runs", "none") == "none"  # not a shared key
    assert engine.storage.items(workflow="wf") == {"limit": {"max": 3}, "runs": 1}
    assert engine.storage.delete("rate") is True
    assert engine.storage.delete("rate") is False
    assert engine.storage.items() == {}
