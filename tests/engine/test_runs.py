"""The runner on a real SQLite file: chains, branches, joins, loops, errors and retries."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from app.engine.log_files import read_lines
from app.engine.service import Engine
from tests import helpers_functions as fx
from tests.conftest import chain_workflow


def fn(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "function", "config": {"function": name, "args": args}}


def statuses(engine: Engine, run_id: str) -> dict[str, str]:
    latest: dict[str, str] = {}
    for step in engine.steps(run_id):
        latest[step.node_key] = step.status
    return latest


async def publish_and_run(engine: Engine, doc: dict[str, Any], run_input: Any = None) -> Any:
    engine.import_workflow(doc)
    return await engine.run(doc["id"], run_input or {})


async def test_chain_runs_every_step_once_and_commits_them(engine: Engine) -> None:
    run = await publish_and_run(
        engine, chain_workflow(fn("t.add", by=2), fn("t.add", by=3)), {"counter": 1}
    )
    assert run.status == "succeeded"
    assert run.output == {"counter": 6}
    steps = engine.steps(run.id)
    assert [s.node_key for s in steps] == ["start", "n1", "n2", "end"]
    assert all(s.status == "succeeded" and s.attempt == 1 for s in steps)
    assert steps[1].input == {"counter": 1} and steps[1].output == {"counter": 3}
    events = [e.type for e in engine.events(run.id)]
    assert events[0] == "run.created" and events[-1] == "run.succeeded"
    assert [e.seq for e in engine.events(run.id)] == list(range(1, len(events) + 1))


async def test_sync_functions_run_off_the_event_loop(engine: Engine) -> None:
    run = await publish_and_run(engine, chain_workflow(fn("t.sync_thread")))
    assert run.output["thread"] != threading.get_ident()


async def test_function_cannot_corrupt_upstream_output(engine: Engine) -> None:
    doc = chain_workflow({"type": "set", "config": {"values": {"a": 1}}}, fn("t.mutate"))
    run = await publish_and_run(engine, doc)
    assert run.status == "succeeded"
    assert engine.steps(run.id)[1].output == {"a": 1}


async def test_non_dict_return_is_wrapped(engine: Engine) -> None:
    run = await publish_and_run(engine, chain_workflow(fn("t.scalar")))
    assert run.output == {"result": 42}


async def test_parallel_branches_run_concurrently_and_join_waits_for_all(engine: Engine) -> None:
    doc = {
        "id": "par",
        "name": "par",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "a", **fn("t.sleep", seconds=0.3, tag="a")},
            {"id": "b", **fn("t.sleep", seconds=0.3, tag="b")},
            {"id": "join", "type": "merge"},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"source": "start", "target": "a"},
            {"source": "start", "target": "b"},
            {"source": "a", "target": "join"},
            {"source": "b", "target": "join"},
            {"source": "join", "target": "end"},
        ],
    }
    run = await publish_and_run(engine, doc)
    assert run.status == "succeeded"
    assert set(run.output) == {"a", "b"}
    assert run.finished_at - run.started_at < 0.55  # both 0.3 s sleeps overlapped
    steps = {s.node_key: s for s in engine.steps(run.id)}
    assert steps["join"].started_at >= max(steps["a"].finished_at, steps["b"].finished_at)


def branch_doc(condition: Any) -> dict[str, Any]:
    return {
        "id": "branch",
        "name": "branch",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "check", "type": "if", "config": {"condition": condition}},
            {"id": "yes", **fn("t.add", by=100)},
            {"id": "yes2", **fn("t.add", by=1)},
            {"id": "no", **fn("t.add", by=-100)},
            {"id": "join", "type": "merge"},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"source": "start", "target": "check"},
            {"source": "check", "source_port": "true", "target": "yes"},
            {"source": "yes", "target": "yes2"},
            {"source": "check", "source_port": "false", "target": "no"},
            {"source": "yes2", "target": "join"},
            {"source": "no", "target": "join"},
            {"source": "join", "target": "end"},
        ],
    }


@pytest.mark.parametrize(
    ("counter", "taken", "skipped", "result"),
    [(5, {"yes", "yes2"}, {"no"}, 106), (-5, {"no"}, {"yes", "yes2"}, -105)],
)
async def test_if_skips_the_branch_not_taken_and_join_does_not_hang(
    engine: Engine, counter: int, taken: set[str], skipped: set[str], result: int
) -> None:
    run = await publish_and_run(engine, branch_doc("counter > 0"), {"counter": counter})
    assert run.status == "succeeded"
    assert run.output == {"counter": result}
    status = statuses(engine, run.id)
    assert {k for k, v in status.items() if v == "skipped"} == skipped
    assert all(status[k] == "succeeded" for k in taken | {"join", "end"})


async def test_json_logic_condition(engine: Engine) -> None:
    doc = branch_doc({">=": [{"var": "counter"}, 10]})
    run = await publish_and_run(engine, doc, {"counter": 10})
    assert run.output == {"counter": 111}


async def test_edge_when_condition_prunes_edges(engine: Engine) -> None:
    doc = {
        "id": "when",
        "name": "when",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "big", **fn("t.add", by=1000)},
            {"id": "small", **fn("t.add", by=1)},
        ],
        "edges": [
            {"source": "start", "target": "big", "when": "counter >= 10"},
            {"source": "start", "target": "small", "when": "counter < 10"},
        ],
    }
    run = await publish_and_run(engine, doc, {"counter": 3})
    assert statuses(engine, run.id) == {
        "start": "succeeded",
        "big": "skipped",
        "small": "succeeded",
    }
    assert run.output == {"counter": 4}


async def test_switch_routes_to_the_matching_case_or_default(engine: Engine) -> None:
    doc = {
        "id": "sw",
        "name": "sw",
        "nodes": [
            {"id": "start", "type": "start"},
            {
                "id": "route",
                "type": "switch",
                "config": {"value": "kind", "cases": ["a", {"value": "b", "port": "bee"}]},
            },
            {"id": "on_a", "type": "set", "config": {"values": {"went": "a"}}},
            {"id": "on_b", "type": "set", "config": {"values": {"went": "b"}}},
            {"id": "other", "type": "set", "config": {"values": {"went": "default"}}},
        ],
        "edges": [
            {"source": "start", "target": "route"},
            {"source": "route", "source_port": "a", "target": "on_a"},
            {"source": "route", "source_port": "bee", "target": "on_b"},
            {"source": "route", "source_port": "default", "target": "other"},
        ],
    }
    engine.import_workflow(doc)
    for kind, went in [("a", "a"), ("b", "b"), ("zzz", "default")]:
        run = await engine.run("sw", {"kind": kind})
        assert run.output["went"] == went


async def test_set_filter_and_templates(engine: Engine) -> None:
    doc = chain_workflow(
        {
            "type": "set",
            "config": {"values": {"label": "n={{ len(items) }}", "raw": "{{ items }}"}},
        },
        {"type": "filter", "config": {"items": "input.raw", "condition": "item % 2 == 0"}},
        {"type": "log", "config": {"message": "kept {{ input.count }}"}},
    )
    run = await publish_and_run(engine, doc, {"items": [1, 2, 3, 4]})
    assert run.output == {"items": [2, 4], "count": 2}
    assert engine.steps(run.id)[1].output["label"] == "n=4"
    logs = [e.data for e in engine.events(run.id) if e.type == "log"]
    assert logs and logs[0]["message"] == "kept 2"


def foreach_doc(concurrency: int = 4) -> dict[str, Any]:
    return {
        "id": "loop",
        "name": "loop",
        "nodes": [
            {"id": "start", "type": "start"},
            {
                "id": "each",
                "type": "foreach",
                "config": {"items": "input.numbers", "concurrency": concurrency},
            },
            {"id": "dbl", "parent": "each", **fn("t.double")},
            {
                "id": "tag",
                "parent": "each",
                "type": "set",
                "config": {"values": {"index": "{{ index }}", "orig": "{{ item }}"}},
            },
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"source": "start", "target": "each"},
            {"source": "dbl", "target": "tag"},
            {"source": "each", "target": "end"},
        ],
    }


async def test_foreach_runs_a_multi_node_body_per_item(engine: Engine) -> None:
    fx.CALLS.clear()
    run = await publish_and_run(engine, foreach_doc(), {"numbers": [3, 1, 4, 1, 5]})
    assert run.status == "succeeded"
    assert run.output["count"] == 5
    assert [r["value"] for r in run.output["results"]] == [6, 2, 8, 2, 10]
    assert [r["orig"] for r in run.output["results"]] == [3, 1, 4, 1, 5]
    keys = {s.node_key for s in engine.steps(run.id)}
    assert {f"dbl[{i}]" for i in range(5)} <= keys and {f"tag[{i}]" for i in range(5)} <= keys
    assert sorted(c[1] for c in fx.CALLS if c[0] == "double") == [1, 1, 3, 4, 5]


async def test_foreach_over_an_empty_list(engine: Engine) -> None:
    run = await publish_and_run(engine, foreach_doc(), {"numbers": []})
    assert run.status == "succeeded" and run.output == {"results": [], "count": 0}


async def test_foreach_item_failure_fails_the_loop_naming_the_item(engine: Engine) -> None:
    doc = foreach_doc(concurrency=1)
    doc["nodes"][2] = {"id": "dbl", "parent": "each", **fn("t.double")}
    run = await publish_and_run(engine, doc, {"numbers": [1, None, 3]})
    assert run.status == "failed"
    assert "dbl[1]" in run.error["message"]


async def test_retry_with_backoff_then_success(engine: Engine) -> None:
    fx.FLAKY_STATE.clear()
    node = fn("t.flaky", fail_times=2, key="retry-ok")
    node["retry"] = {"max_attempts": 3, "backoff_s": 0.01, "backoff_factor": 2}
    run = await publish_and_run(engine, chain_workflow(node))
    assert run.status == "succeeded"
    attempts = [(s.attempt, s.status) for s in engine.steps(run.id) if s.node_id == "n1"]
    assert attempts == [(1, "failed"), (2, "failed"), (3, "succeeded")]
    retries = [e for e in engine.events(run.id) if e.type == "step.retrying"]
    assert [e.data["delay_s"] for e in retries] == [0.01, 0.02]


async def test_retries_exhausted_fail_the_run(engine: Engine) -> None:
    fx.FLAKY_STATE.clear()
    node = fn("t.flaky", fail_times=5, key="retry-fail")
    node["retry"] = {"max_attempts": 2, "backoff_s": 0}
    run = await publish_and_run(engine, chain_workflow(node))
    assert run.status == "failed"
    assert run.error["message"] == "attempt 2 failed" and run.error["node_key"] == "n1"
    assert statuses(engine, run.id)["n1"] == "failed"


async def test_on_error_continue_sends_the_error_down_the_error_port(engine: Engine) -> None:
    doc = {
        "id": "cont",
        "name": "cont",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "bad", "on_error": "continue", **fn("t.boom", message="nope")},
            {"id": "fine", **fn("t.add")},
            {
                "id": "handler",
                "type": "set",
                "config": {"values": {"handled": "{{ input.error.message }}"}},
            },
        ],
        "edges": [
            {"source": "start", "target": "bad"},
            {"source": "bad", "target": "fine"},
            {"source": "bad", "source_port": "error", "target": "handler"},
        ],
    }
    run = await publish_and_run(engine, doc)
    assert run.status == "succeeded"
    assert statuses(engine, run.id) == {
        "start": "succeeded",
        "bad": "failed",
        "fine": "skipped",
        "handler": "succeeded",
    }
    assert run.output["handled"] == "nope"


async def test_on_error_pause_pauses_the_run(engine: Engine) -> None:
    node = fn("t.boom")
    node["on_error"] = "pause"
    run = await publish_and_run(engine, chain_workflow(node))
    assert run.status == "paused"
    assert "run.paused" in [e.type for e in engine.events(run.id)]


async def test_node_timeout(engine: Engine) -> None:
    node = fn("t.sleep", seconds=5)
    node["timeout_s"] = 0.1
    run = await publish_and_run(engine, chain_workflow(node))
    assert run.status == "failed"
    assert run.error["message"] == "timed out after 0.1 s"


async def test_run_timeout(engine: Engine) -> None:
    doc = chain_workflow(fn("t.sleep", seconds=5))
    doc["timeout_s"] = 0.2
    run = await publish_and_run(engine, doc)
    assert run.status == "failed" and "longer than 0.2 s" in run.error["message"]


async def test_step_context_idempotency_key_logs_and_progress(engine: Engine) -> None:
    run = await publish_and_run(engine, chain_workflow(fn("t.ctx")))
    assert run.output == {"key": f"{run.id}:n1:1", "attempt": 1}
    types = [e.type for e in engine.events(run.id)]
    assert "log" in types and "progress" in types


async def test_run_is_pinned_to_its_version(engine: Engine) -> None:
    doc = chain_workflow(fn("t.add", by=1))
    engine.import_workflow(doc)
    first = await engine.run("wf", {"counter": 0})
    doc["nodes"][1]["config"]["args"]["by"] = 50
    published = engine.import_workflow(doc)
    second = await engine.run("wf", {"counter": 0})
    assert published.number == 2
    assert first.version_id != second.version_id
    assert (first.output, second.output) == ({"counter": 1}, {"counter": 50})


async def test_idempotency_key_never_starts_two_runs(engine: Engine) -> None:
    engine.import_workflow(chain_workflow(fn("t.add")))
    a = await engine.start_run("wf", {}, idempotency_key="sched:x:2026-01-01T00:00")
    b = await engine.start_run("wf", {}, idempotency_key="sched:x:2026-01-01T00:00")
    assert a == b
    assert len(engine.list_runs()) == 1


async def test_jsonl_log_mirrors_committed_events(engine: Engine, home: Any) -> None:
    run = await publish_and_run(engine, chain_workflow(fn("t.add")))
    await engine.stop()
    lines = [line for line in read_lines(home / "logs") if line["run_id"] == run.id]
    assert [line["seq"] for line in lines] == list(range(1, len(lines) + 1))
    assert lines[-1]["type"] == "run.succeeded"
    engine.__init__(home)  # the fixture stops it again
    await engine.start()
