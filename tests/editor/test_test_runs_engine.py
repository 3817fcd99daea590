"""Test runs on a real engine: stop after a node, pinned outputs, kept out of lists, purged."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.core.dsl import parse_workflow
from app.engine.inputs import InputInvalid
from app.engine.service import Engine
from app.engine.test_runs import KEEP_PER_WORKFLOW, MAX_AGE_S, TestRunRefused, nodes_to_run
from app.engine.workflows import NotFound
from app.store import reads

APPROVAL: dict[str, Any] = {
    "schema": "ren.workflow/1",
    "id": "expense",
    "name": "Expense",
    "params": {
        "type": "object",
        "properties": {"amount": {"type": "integer"}},
        "required": ["amount"],
    },
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "prep", "type": "set", "config": {"values": {"doubled": "{{ input.amount * 2 }}"}}},
        {
            "id": "approve",
            "type": "human_task",
            "config": {
                "title": "Expense of {{ input.amount }}",
                "fields": [{"name": "ok", "type": "yes_no"}],  # the answer's values.ok
                "outcomes": [{"name": "approve"}, {"name": "reject"}],
            },
        },
        {
            "id": "after",
            "type": "set",
            "config": {
                "keep_input": False,
                "values": {"ok": "{{ input.values.ok }}", "amount": "{{ params.amount }}"},
            },
        },
        {"id": "no", "type": "end"},
        {"id": "end", "type": "end"},
    ],
    "edges": [
        {"source": "start", "target": "prep"},
        {"source": "prep", "target": "approve"},
        {"source": "approve", "source_port": "approve", "target": "after"},
        {"source": "approve", "source_port": "reject", "target": "no"},
        {"source": "after", "target": "end"},
    ],
}


def save(engine: Engine) -> str:
    return engine.workflows.save(parse_workflow(APPROVAL, "test"), "expense")


def step_ids(engine: Engine, run_id: str) -> list[str]:
    return [s.node_id for s in engine.steps(run_id)]


async def test_a_test_run_stops_after_the_chosen_node_and_stays_out_of_lists(
    engine: Engine,
) -> None:
    wid = save(engine)
    started = await engine.test_runs.start(wid, {"amount": 1500}, stop_after="prep")
    run = await engine.wait(started.run_id)
    assert run.status == "succeeded"
    assert run.is_test
    assert step_ids(engine, run.id) == ["start", "prep"]
    assert run.output == {"amount": 1500, "doubled": 3000}  # an integer stays one
    assert engine.list_runs() == []
    with engine.store.session() as session:
        assert reads.count_runs(session, wid) == 0
        assert reads.list_run_briefs(session) == []
        assert reads.count_runs_by_status(session) == {}
        assert reads.last_runs(session, [wid]) == {}
        assert reads.list_versions(session, wid) == []  # the test version is not a version
    assert engine.test_runs.latest(wid) is not None
    with pytest.raises(NotFound):  # never published: a real run has no version to run
        await engine.start_run(wid, {"amount": 1})


async def test_a_pinned_human_task_is_not_asked_and_its_pin_flows_downstream(
    engine: Engine,
) -> None:
    wid = save(engine)
    answer = {"outcome": "approve", "values": {"ok": True}, "completed_by": "ana"}
    engine.test_runs.pins.pin(wid, "approve", answer, port="approve")
    started = await engine.test_runs.start(wid, {"amount": 7})
    assert started.pinned == ("approve",)
    run = await engine.wait(started.run_id)
    assert run.status == "succeeded"
    assert run.output == {"ok": True, "amount": 7}
    steps = {s.node_id: s for s in engine.steps(run.id)}
    assert steps["approve"].output == answer
    assert steps["approve"].ports == ["approve"]
    assert "no" not in steps or steps["no"].status == "skipped"
    assert engine.tasks.open_count() == 0


async def test_without_a_pin_the_test_waits_for_a_person_marked_as_a_test(engine: Engine) -> None:
    wid = save(engine)
    started = await engine.test_runs.start(wid, {"amount": 3})
    run = await engine.wait(started.run_id)
    assert run.status == "waiting"
    [task] = engine.tasks.open_tasks()
    assert task["title"] == "Test: Expense of 3"
    engine.tasks.complete(task["id"], "reject", {})
    run = await engine.wait(started.run_id, timeout=10)
    assert run.status == "succeeded", run.error
    assert run.output["outcome"] == "reject"  # the answer, at the "no" end


async def test_real_runs_never_use_pins(engine: Engine) -> None:
    wid = save(engine)
    engine.test_runs.pins.pin(wid, "approve", {"outcome": "approve"}, port="approve")
    engine.workflows.publish(wid)
    run = await engine.run(wid, {"amount": 5})
    assert run.status == "waiting"
    assert not run.is_test
    [task] = engine.tasks.open_tasks()
    assert task["title"] == "Expense of 5"
    assert [r.id for r in engine.list_runs()] == [run.id]


async def test_pins_are_saved_per_workflow_and_removable(engine: Engine) -> None:
    wid = save(engine)
    pins = engine.test_runs.pins
    pins.pin(wid, "prep", {"doubled": 1}, source="typed")
    pins.pin(wid, "prep", {"doubled": 2}, source="run-1")
    assert {k: (p.output, p.source) for k, p in pins.of(wid).items()} == {
        "prep": ({"doubled": 2}, "run-1")
    }
    started = await engine.test_runs.start(wid, {"amount": 1}, stop_after="prep")
    run = await engine.wait(started.run_id)
    assert run.output == {"doubled": 2}  # the pinned output, not the computed one
    pins.unpin(wid, "prep")
    assert pins.of(wid) == {}


async def test_bad_input_and_unknown_nodes_are_refused_by_name(engine: Engine) -> None:
    wid = save(engine)
    with pytest.raises(InputInvalid, match="amount"):
        await engine.test_runs.start(wid, {"amount": "many"})
    with pytest.raises(TestRunRefused, match="no node 'ghost'"):
        await engine.test_runs.start(wid, {"amount": 1}, stop_after="ghost")
    assert engine.test_runs.recent(wid) == []


async def test_old_and_surplus_test_runs_are_purged(engine: Engine) -> None:
    wid = save(engine)
    first = await engine.test_runs.start(wid, {"amount": 0}, stop_after="prep")
    await engine.wait(first.run_id)
    engine.store.write_raw(
        "UPDATE run SET created_at=? WHERE id=?", time.time() - MAX_AGE_S - 60, first.run_id
    )
    assert await engine.test_runs.purge(wid) == 1
    ids = []
    for i in range(KEEP_PER_WORKFLOW + 2):
        started = await engine.test_runs.start(wid, {"amount": i}, stop_after="prep")
        await engine.wait(started.run_id)
        ids.append(started.run_id)
    await engine.test_runs.purge(wid)
    kept = [r.id for r in engine.test_runs.recent(wid, 100)]
    assert kept == list(reversed(ids))[:KEEP_PER_WORKFLOW]
    with engine.store.session() as session:  # the steps of purged runs went with them
        assert reads.list_steps(session, ids[0]) == []
        assert reads.get_run(session, first.run_id) is None


def test_what_a_test_up_to_a_node_runs() -> None:
    spec = parse_workflow(
        {
            "schema": "ren.workflow/1",
            "name": "loops",
            "nodes": [
                {"id": "start", "type": "start"},
                {"id": "side", "type": "log"},
                {"id": "each", "type": "foreach", "config": {"items": "input.rows"}},
                {"id": "a", "type": "log", "parent": "each"},
                {"id": "b", "type": "log", "parent": "each"},
                {"id": "c", "type": "log", "parent": "each"},
                {"id": "after", "type": "log"},
            ],
            "edges": [
                {"source": "start", "target": "side"},
                {"source": "start", "target": "each"},
                {"source": "a", "target": "b"},
                {"source": "b", "target": "c"},
                {"source": "each", "target": "after"},
            ],
        },
        "test",
    )
    assert nodes_to_run(spec, "b") == {"start", "each", "a", "b"}  # only its part of the loop
    assert nodes_to_run(spec, "after") == {"start", "each", "a", "b", "c", "after"}
    assert nodes_to_run(spec, "side") == {"start", "side"}
    assert nodes_to_run(spec, None) == {n.id for n in spec.nodes}
