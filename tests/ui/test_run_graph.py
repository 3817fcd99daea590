"""The run page's graph, step details, timeline and "Re-run from here", through NiceGUI's
simulated user on a real engine; plus the pure state rules the graph follows."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.engine.rerun import rerun_origin
from app.ui import runtime
from app.ui.flow_editor import FlowEditor
from app.ui.pages.run_graph_state import key_for_node, loop_counts, node_of, node_states
from app.ui.pages.run_timeline import bars
from tests.helpers_functions import CALLS
from tests.ui.conftest import chain
from tests.ui.test_pages import wait_for


def canvas(user: User) -> FlowEditor:
    (graph,) = [e for e in user.find(marker="run-graph").elements if not e.is_deleted]
    assert isinstance(graph, FlowEditor)
    return graph


def statuses(user: User) -> dict[str, Any]:
    return {n["id"]: n.get("status") for n in canvas(user).nodes}


def loop_workflow() -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "id": "loop",
        "name": "Loop",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "each", "type": "foreach", "config": {"items": "params.items"}},
            {
                "id": "twice",
                "type": "function",
                "parent": "each",
                "config": {"function": "t.double"},
            },
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "start", "target": "each"}, {"source": "each", "target": "end"}],
    }


async def test_the_graph_shows_each_nodes_state_and_a_click_shows_its_step(user: User) -> None:
    eng = runtime.engine()
    eng.import_workflow(
        chain(
            "g",
            {"type": "function", "config": {"function": "t.add", "args": {"by": 2}}},
            {"type": "function", "config": {"function": "t.boom"}},
        )
    )
    run = await eng.run("g", {"counter": 1})
    assert run.status == "failed"
    await user.open(f"/runs/{run.id}")
    assert statuses(user) == {"start": "succeeded", "n1": "succeeded", "n2": "failed", "end": None}
    user.find(marker="run-graph").trigger("selection", {"nodes": ["n1"], "edges": []})
    await user.should_see('"counter": 3')
    await user.should_see(f"{run.id}:n1:1")  # the idempotency key
    await user.should_see(marker="rerun-from-here")
    user.find(marker="run-graph").trigger("selection", {"nodes": ["n2"], "edges": []})
    await user.should_see("boom")


async def test_loop_nodes_count_their_items(user: User) -> None:
    eng = runtime.engine()
    eng.import_workflow(loop_workflow())
    run = await eng.run("loop", {"items": [1, 2, 3]})
    assert run.status == "succeeded"
    await user.open(f"/runs/{run.id}")
    nodes = {n["id"]: n for n in canvas(user).nodes}
    assert nodes["each"]["subtitle"] == "3 done"
    assert nodes["twice"]["status"] == "succeeded"
    user.find(marker="run-graph").trigger("selection", {"nodes": ["twice"], "edges": []})
    await user.should_see("twice[2]")  # a node inside a loop shows its latest item
    await user.should_not_see(marker="rerun-from-here")  # re-run from the loop node instead


async def test_the_graph_follows_a_live_run(user: User) -> None:
    eng = runtime.engine()
    short = {"function": "t.sleep", "args": {"seconds": 0.3}}
    long = {"function": "t.sleep", "args": {"seconds": 1.0}}
    eng.import_workflow(
        chain("slow", {"type": "function", "config": short}, {"type": "function", "config": long})
    )
    run_id = await eng.start_run("slow")
    await user.open(f"/runs/{run_id}")
    await wait_for(lambda: statuses(user).get("n2") == "running")
    await eng.wait(run_id)
    await wait_for(lambda: statuses(user)["n2"] == "succeeded" and statuses(user)["end"])
    chart = user.find(marker="run-timeline").elements.pop()
    assert isinstance(chart, ui.echart)
    await wait_for(lambda: len(chart.options["yAxis"]["data"]) == 4)


async def test_rerun_from_a_node_with_an_edited_input(user: User) -> None:
    eng = runtime.engine()
    eng.import_workflow(
        chain(
            "re",
            {"type": "function", "config": {"function": "t.add", "args": {"by": 2}}},
            {"type": "function", "config": {"function": "t.add", "args": {"by": 10}}},
        )
    )
    run = await eng.run("re", {"counter": 1})
    assert run.output == {"counter": 13}
    CALLS.clear()
    await user.open(f"/runs/{run.id}")
    user.find(marker="run-graph").trigger("selection", {"nodes": ["n2"], "edges": []})
    user.find(marker="rerun-from-here").click()
    editor = user.find(marker="rerun-input").elements.pop()
    assert isinstance(editor, ui.codemirror)
    editor.set_value('{"counter": ')
    await user.should_see("Not valid JSON")
    assert not user.find(marker="rerun-go").elements.pop().enabled
    editor.set_value('{"counter": 100}')
    await user.should_not_see("Not valid JSON")
    user.find(marker="rerun-go").click()
    await wait_for(lambda: user.back_history[-1] != f"/runs/{run.id}")
    new_id = user.back_history[-1].removeprefix("/runs/")
    new = await eng.wait(new_id)
    assert new.output == {"counter": 110}
    assert CALLS == [("add", 10)]  # the first node was not run again
    assert rerun_origin(eng.events(new_id)) == (run.id, "n2")
    await user.should_see("Re-run of")
    await user.should_see(marker="rerun-of")


# -- the rules, without a page ----------------------------------------------------------------


def test_node_keys_split_into_node_and_item_path() -> None:
    assert node_of("fetch") == ("fetch", "")
    assert node_of("body[3]") == ("body", "[3]")
    assert node_of("inner[3][7]") == ("inner", "[3][7]")
    assert node_of("ask@approval") == ("ask", "")


def test_a_nodes_state_is_its_most_telling_items() -> None:
    rows = [
        {"key": "a", "node_id": "a", "status": "succeeded"},
        {"key": "b[0]", "node_id": "b", "status": "succeeded"},
        {"key": "b[1]", "node_id": "b", "status": "running"},
        {"key": "c[0]", "node_id": "c", "status": "failed"},
        {"key": "c[1]", "node_id": "c", "status": "waiting"},
        {"key": "d", "node_id": "d", "status": "retrying"},
    ]
    assert node_states(rows, "running") == {
        "a": "succeeded",
        "b": "running",
        "c": "failed",
        "d": "running",
    }
    assert node_states(rows, "paused")["c"] == "paused"


def test_loop_counts_and_the_step_a_click_shows() -> None:
    spec = WorkflowSpec.model_validate({**loop_workflow(), "nodes": [*loop_workflow()["nodes"]]})
    rows = {
        "twice[0]": {"key": "twice[0]", "node_id": "twice", "status": "succeeded"},
        "twice[1]": {"key": "twice[1]", "node_id": "twice", "status": "failed"},
        "twice[2]": {"key": "twice[2]", "node_id": "twice", "status": "running"},
        "twice[3]": {"key": "twice[3]", "node_id": "twice", "status": "succeeded"},
    }
    assert loop_counts(spec, rows.values()) == {"each": "2 done · 1 running · 1 failed"}
    assert key_for_node(rows, "twice") == "twice[1]"  # the failed item first
    assert key_for_node(rows, "each") is None


def test_timeline_bars_start_at_the_run_start() -> None:
    rows = [
        {"key": "b", "node_id": "b", "name": "B", "status": "running", "started_at": 105.0},
        {
            "key": "a",
            "node_id": "a",
            "name": "A",
            "status": "succeeded",
            "started_at": 101.0,
            "finished_at": 103.5,
            "attempt": 2,
        },
        {"key": "c", "node_id": "c", "name": "C", "status": "skipped", "started_at": None},
    ]
    assert bars(rows, 100.0, now=110.0) == [
        {"label": "A", "offset": 1.0, "duration": 2.5, "status": "succeeded", "attempt": 2},
        {"label": "B", "offset": 5.0, "duration": 5.0, "status": "running", "attempt": 1},
    ]
