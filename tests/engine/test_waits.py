"""Durable waits on a real engine and SQLite file: tasks, timers, signals, sub-workflows."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from app.core.forms import FormInvalid
from app.engine.service import Engine
from app.engine.tasks import NoLongerPossible
from tests import helpers_functions as fx


def flow(wid: str, nodes: list[dict[str, Any]], edges: list[tuple[str, ...]]) -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "id": wid,
        "name": wid,
        "nodes": [{"id": "start", "type": "start"}, *nodes],
        "edges": [
            {"source": e[0], "target": e[1], **({"source_port": e[2]} if len(e) > 2 else {})}
            for e in edges
        ],
    }


APPROVAL = {
    "id": "review",
    "type": "human_task",
    "config": {
        "title": "Approve {{ params.item }}?",
        "fields": [
            {"name": "amount", "type": "integer", "required": True, "max": 100},
            {"name": "note", "type": "text"},
        ],
        "outcomes": [{"name": "approve"}, {"name": "reject"}],
    },
}


def approval_flow() -> dict[str, Any]:
    return flow(
        "approval",
        [
            APPROVAL,
            {"id": "yes", "type": "set", "config": {"values": {"went": "approved"}}},
            {"id": "no", "type": "set", "config": {"values": {"went": "rejected"}}},
        ],
        [("start", "review"), ("review", "yes", "approve"), ("review", "no", "reject")],
    )


async def settle(engine: Engine, run_id: str) -> str:
    return (await engine.wait(run_id, timeout=30)).status


async def test_task_sleeps_with_nothing_in_memory_then_wakes(engine: Engine) -> None:
    engine.import_workflow(approval_flow())
    run_id = await engine.start_run("approval", {"item": "laptop"})
    assert await settle(engine, run_id) == "waiting"
    assert not engine.is_live(run_id)  # no coroutine, task or state held
    (task,) = engine.tasks.open_tasks()
    assert task["title"] == "Approve laptop?" and task["run_id"] == run_id
    engine.tasks.complete(task["id"], "approve", {"amount": "42"}, by="ana")
    assert await settle(engine, run_id) == "succeeded"
    run = engine.get_run(run_id)
    assert run.output["went"] == "approved"
    review = next(s for s in engine.steps(run_id) if s.node_id == "review")
    assert review.output["values"] == {"amount": 42, "note": None}
    assert review.output["completed_by"] == "ana" and review.ports == ["approve"]
    assert engine.tasks.get(task["id"])["status"] == "completed"


async def test_committed_events_come_after_what_they_say_is_readable(engine: Engine) -> None:
    """Live subscribers hear events at once; `committed` subscribers only once the change is
    in the database, so reading back in the handler sees it (the inbox count relies on it)."""
    seen: list[tuple[str, int]] = []

    def read_back(event: Any) -> None:
        if event.type in ("step.waiting", "wait.resolved", "run.succeeded"):
            seen.append((event.type, len(engine.tasks.open_tasks(run_id=event.run_id))))

    engine.committed.subscribe(read_back)
    engine.import_workflow(approval_flow())
    run_id = await engine.start_run("approval", {"item": "pen"})
    assert await settle(engine, run_id) == "waiting"
    (task,) = engine.tasks.open_tasks(run_id=run_id)
    engine.tasks.complete(task["id"], "approve", {"amount": 1})
    assert await settle(engine, run_id) == "succeeded"
    await asyncio.sleep(0.3)  # events without a step commit are flushed within 0.25 s
    assert seen == [("step.waiting", 1), ("wait.resolved", 0), ("run.succeeded", 0)]


async def test_wrong_form_values_name_each_field_and_change_nothing(engine: Engine) -> None:
    engine.import_workflow(approval_flow())
    run_id = await engine.start_run("approval", {"item": "x"})
    await settle(engine, run_id)
    (task,) = engine.tasks.open_tasks()
    with pytest.raises(FormInvalid) as err:
        engine.tasks.complete(task["id"], "maybe", {"amount": "lots", "extra": 1})
    assert set(err.value.errors) == {"amount", "extra", "outcome"}
    with pytest.raises(FormInvalid) as err:
        engine.tasks.complete(task["id"], "approve", {"amount": 1000})
    assert err.value.errors == {"amount": "Must be at most 100"}
    assert engine.tasks.get(task["id"])["status"] == "open"
    assert engine.get_run(run_id).status == "waiting"


async def test_double_completion_changes_nothing(engine: Engine) -> None:
    engine.import_workflow(approval_flow())
    run_id = await engine.start_run("approval", {"item": "x"})
    await settle(engine, run_id)
    (task,) = engine.tasks.open_tasks()
    engine.tasks.complete(task["id"], "reject", {"amount": 1})
    with pytest.raises(NoLongerPossible):
        engine.tasks.complete(task["id"], "approve", {"amount": 1})
    assert await settle(engine, run_id) == "succeeded"
    assert engine.get_run(run_id).output["went"] == "rejected"
    assert [s.node_id for s in engine.steps(run_id)].count("review") == 1


async def test_timer_wait_and_signal(engine: Engine) -> None:
    engine.import_workflow(
        flow(
            "timed",
            [
                {"id": "pause", "type": "wait", "config": {"seconds": 0.3}},
                {"id": "sig", "type": "signal", "config": {"name": "go"}},
            ],
            [("start", "pause"), ("pause", "sig")],
        )
    )
    started = time.time()
    run_id = await engine.start_run("timed", {"a": 1})
    assert await settle(engine, run_id) == "waiting"
    for _ in range(100):
        if any(s.node_id == "pause" for s in engine.steps(run_id)):
            break
        await asyncio.sleep(0.05)
    assert time.time() - started >= 0.3
    await settle(engine, run_id)
    with pytest.raises(NoLongerPossible):
        engine.tasks.signal(run_id, "other")
    assert engine.tasks.signal(run_id, "go", {"paid": True})
    assert await settle(engine, run_id) == "succeeded"
    assert engine.get_run(run_id).output == {"signal": "go", "data": {"paid": True}}


async def test_timer_due_during_downtime_fires_once_at_start(home: Path) -> None:
    engine = Engine(home)
    await engine.start()
    engine.import_workflow(
        flow("nap", [{"id": "nap", "type": "wait", "config": {"seconds": 0.5}}], [("start", "nap")])
    )
    run_id = await engine.start_run("nap", {})
    assert await settle(engine, run_id) == "waiting"
    await engine.stop()
    await asyncio.sleep(0.8)  # the timer falls due while no engine runs
    engine = Engine(home)
    await engine.start()
    try:
        for _ in range(100):
            if engine.get_run(run_id).status == "succeeded":
                break
            await asyncio.sleep(0.05)
        assert engine.get_run(run_id).status == "succeeded"
        naps = [s for s in engine.steps(run_id) if s.node_id == "nap"]
        assert len(naps) == 1
        fired = engine.store.rows("SELECT status FROM timer")
        assert [t["status"] for t in fired] == ["fired"]
    finally:
        await engine.stop()


async def test_parallel_branch_keeps_running_while_another_waits(engine: Engine) -> None:
    fx.CALLS.clear()
    engine.import_workflow(
        flow(
            "par",
            [
                APPROVAL | {"id": "review"},
                {
                    "id": "work",
                    "type": "function",
                    "config": {"function": "t.sleep", "args": {"seconds": 0.2, "tag": "w"}},
                },
                {"id": "join", "type": "merge"},
            ],
            [
                ("start", "review"),
                ("start", "work"),
                ("review", "join", "approve"),
                ("review", "join", "reject"),
                ("work", "join"),
            ],
        )
    )
    run_id = await engine.start_run("par", {"item": "x"})
    await asyncio.sleep(0.05)
    (task,) = engine.tasks.open_tasks()
    engine.tasks.complete(task["id"], "approve", {"amount": 5})  # while `work` still runs
    assert await settle(engine, run_id) == "succeeded"
    assert set(engine.get_run(run_id).output) >= {"w", "outcome"}


async def test_tasks_inside_foreach_items(engine: Engine) -> None:
    engine.import_workflow(
        flow(
            "each",
            [
                {"id": "loop", "type": "foreach", "config": {"items": "params.people"}},
                {
                    "id": "ask",
                    "parent": "loop",
                    "type": "human_task",
                    "config": {
                        "title": "Hello {{ item }}",
                        "fields": [{"name": "ok", "type": "yes_no"}],
                    },
                },
            ],
            [("start", "loop")],
        )
    )
    run_id = await engine.start_run("each", {"people": ["ana", "bo", "cy"]})
    assert await settle(engine, run_id) == "waiting"
    tasks = engine.tasks.open_tasks()
    assert sorted(t["title"] for t in tasks) == ["Hello ana", "Hello bo", "Hello cy"]
    for task in tasks:
        engine.tasks.complete(task["id"], "submit", {"ok": "yes"})
        await asyncio.sleep(0.01)
    assert await settle(engine, run_id) == "succeeded"
    results = engine.get_run(run_id).output["results"]
    assert [r["values"]["ok"] for r in results] == [True, True, True]


async def test_subworkflow_child_waits_on_a_person_and_parent_sleeps(engine: Engine) -> None:
    engine.import_workflow(approval_flow())
    engine.import_workflow(
        flow(
            "parent",
            [
                {"id": "child", "type": "subworkflow", "config": {"workflow": "approval"}},
                {"id": "after", "type": "set", "config": {"values": {"done": True}}},
            ],
            [("start", "child"), ("child", "after")],
        )
    )
    parent = await engine.start_run("parent", {"item": "chair"})
    assert await settle(engine, parent) == "waiting"
    (task,) = engine.tasks.open_tasks()
    child_id = task["run_id"]
    assert child_id != parent and engine.get_run(child_id).parent_run_id == parent
    engine.tasks.complete(task["id"], "approve", {"amount": 3})
    await settle(engine, child_id)
    for _ in range(100):
        if engine.get_run(parent).status == "succeeded":
            break
        await asyncio.sleep(0.02)
    run = engine.get_run(parent)
    assert run.status == "succeeded"
    assert run.output["went"] == "approved" and run.output["done"] is True
    child_step = next(s for s in engine.steps(parent) if s.node_id == "child")
    assert child_step.output["values"] == {"amount": 3, "note": None}


async def test_cancel_while_waiting_closes_tasks_and_children(engine: Engine) -> None:
    engine.import_workflow(approval_flow())
    engine.import_workflow(
        flow(
            "parent2",
            [
                {"id": "child", "type": "subworkflow", "config": {"workflow": "approval"}},
            ],
            [("start", "child")],
        )
    )
    parent = await engine.start_run("parent2", {"item": "desk"})
    await settle(engine, parent)
    (task,) = engine.tasks.open_tasks()
    assert await engine.control.cancel(parent) == "canceled"
    assert engine.get_run(parent).status == "canceled"
    assert engine.get_run(task["run_id"]).status == "canceled"
    assert engine.tasks.open_tasks() == []
    with pytest.raises(NoLongerPossible):
        engine.tasks.complete(task["id"], "approve", {"amount": 1})
    with pytest.raises(NoLongerPossible):
        await engine.control.cancel(parent)


async def test_pause_while_waiting_then_resume(engine: Engine) -> None:
    engine.import_workflow(approval_flow())
    run_id = await engine.start_run("approval", {"item": "x"})
    await settle(engine, run_id)
    assert await engine.control.pause(run_id) == "paused"
    (task,) = engine.tasks.open_tasks()
    engine.tasks.complete(task["id"], "approve", {"amount": 9})  # the answer is kept…
    await asyncio.sleep(0.1)
    assert engine.get_run(run_id).status == "paused"  # …but the run stays paused
    assert await engine.control.resume(run_id) == "running"
    assert await settle(engine, run_id) == "succeeded"
    with pytest.raises(NoLongerPossible):
        await engine.control.resume(run_id)


async def test_red_pause_then_resume_with_edited_input(engine: Engine) -> None:
    doc = flow(
        "red",
        [
            {
                "id": "check",
                "type": "function",
                "on_error": "pause",
                "config": {"function": "t.double"},
            },
        ],
        [("start", "check")],
    )
    engine.import_workflow(doc)
    run_id = await engine.start_run("red", {"item": None})
    assert await settle(engine, run_id) == "paused"
    await engine.control.resume(run_id, inputs={"check": {"item": 21}})
    assert await settle(engine, run_id) == "succeeded"
    assert engine.get_run(run_id).output == {"value": 42}
    attempts = [(s.attempt, s.status) for s in engine.steps(run_id) if s.node_id == "check"]
    assert attempts == [(1, "failed"), (2, "succeeded")]


async def test_retry_from_the_failed_step_keeps_completed_steps(engine: Engine) -> None:
    fx.CALLS.clear()
    fx.FLAKY_STATE.clear()
    engine.import_workflow(
        flow(
            "retry",
            [
                {
                    "id": "first",
                    "type": "function",
                    "config": {"function": "t.record", "args": {"tag": "a"}},
                },
                {
                    "id": "shaky",
                    "type": "function",
                    "config": {
                        "function": "t.flaky",
                        "args": {"fail_times": 1, "key": "retry-run"},
                    },
                },
            ],
            [("start", "first"), ("first", "shaky")],
        )
    )
    run_id = await engine.start_run("retry", {})
    assert await settle(engine, run_id) == "failed"
    assert await engine.control.retry(run_id) == "running"
    assert await settle(engine, run_id) == "succeeded"
    assert [c for c in fx.CALLS if c[0] == "record"] == [("record", "a")]
    with pytest.raises(NoLongerPossible):
        await engine.control.retry(run_id)


async def test_per_node_approval_before_it_runs(engine: Engine) -> None:
    fx.CALLS.clear()
    node = {
        "id": "deploy",
        "type": "function",
        "config": {"function": "t.record", "args": {"tag": "deployed"}},
        "approval": {"title": "Deploy now?"},
    }
    engine.import_workflow(flow("gate", [node], [("start", "deploy")]))
    run_id = await engine.start_run("gate", {})
    assert await settle(engine, run_id) == "waiting"
    assert fx.CALLS == []  # not run before approval
    (task,) = engine.tasks.open_tasks()
    assert task["title"] == "Deploy now?"
    engine.tasks.complete(task["id"], "approve", {})
    assert await settle(engine, run_id) == "succeeded"
    assert fx.CALLS == [("record", "deployed")]
    run2 = await engine.start_run("gate", {})
    await settle(engine, run2)
    (task2,) = engine.tasks.open_tasks()
    engine.tasks.complete(task2["id"], "reject", {}, by="boss")
    assert await settle(engine, run2) == "failed"
    assert engine.get_run(run2).error["message"] == "rejected by boss"


async def test_task_timeout_port(engine: Engine) -> None:
    engine.import_workflow(
        flow(
            "late",
            [
                {"id": "ask", "type": "human_task", "config": {"title": "Quick!", "due_in_s": 0.3}},
                {"id": "late", "type": "set", "config": {"values": {"escalated": True}}},
            ],
            [("start", "ask"), ("ask", "late", "timeout")],
        )
    )
    run_id = await engine.start_run("late", {})
    await settle(engine, run_id)
    for _ in range(100):
        if engine.get_run(run_id).status == "succeeded":
            break
        await asyncio.sleep(0.05)
    assert engine.get_run(run_id).output["escalated"] is True
    assert engine.tasks.open_tasks() == []


async def test_start_up_arms_timers_a_window_at_a_time_and_all_ring(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.engine import timer_window

    engine = Engine(home)
    await engine.start()
    engine.import_workflow(
        flow("nap", [{"id": "nap", "type": "wait", "config": {"seconds": 0.6}}], [("start", "nap")])
    )
    run_ids = [await engine.start_run("nap", {}) for _ in range(7)]
    for run_id in run_ids:
        assert await settle(engine, run_id) == "waiting"
    await engine.stop()

    monkeypatch.setattr(timer_window, "WINDOW_SIZE", 3)
    engine = Engine(home)
    await engine.start()
    try:
        armed = {job.id for job in engine.alarms.jobs()}
        assert len([job for job in armed if job.startswith("timer:")]) == 3
        assert timer_window.REFILL_JOB in armed
        for _ in range(200):
            if all(engine.get_run(r).status == "succeeded" for r in run_ids):
                break
            await asyncio.sleep(0.05)
        assert [engine.get_run(r).status for r in run_ids] == ["succeeded"] * 7
        fired = engine.store.rows("SELECT status FROM timer")
        assert [t["status"] for t in fired] == ["fired"] * 7
    finally:
        await engine.stop()
