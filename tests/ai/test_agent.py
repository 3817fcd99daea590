"""The ai_agent node on a real engine against the local OpenAI-compatible stub: a loop over two
tools (one behind a person's approval, answered through the engine's tasks), rejection with a
reason the model sees, edited arguments, unknown tools, the step limit, and the journal that
makes every recorded reply requested exactly once."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.engine.workflows import WorkflowInvalid
from tests.ai.agent_worker import agent_workflow
from tests.ai.openai_stub import OpenAIStub, Reply, Step, tool_call


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


def two_tools(body: dict[str, Any]) -> Step:
    """note, then slow, then a final answer quoting what the tools said."""
    done = tool_messages(body)
    if len(done) == 0:
        return Reply(None, [tool_call("c1", "ai_note", {"text": "milk"})], usage=(20, 4))
    if len(done) == 1:
        return Reply(None, [tool_call("c2", "ai_slow", {"seconds": 0})], usage=(30, 4))
    return Reply("finished: " + " | ".join(m["content"] for m in done), usage=(40, 6))


@pytest.fixture
def marks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "marks"
    folder.mkdir()
    (folder / "slow-started").touch()  # in-process: ai.slow never sleeps
    monkeypatch.setattr("tests.ai.agent_worker.MARKS", folder)
    return folder


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(responder=two_tools) as server:
        yield server


def calls_made(marks: Path) -> list[str]:
    path = marks / "calls.txt"
    return path.read_text().split() if path.exists() else []


def journal(home: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(home / "ren.sqlite") as conn:
        return conn.execute("SELECT seq, kind FROM ai_journal ORDER BY seq").fetchall()


def flow(stub: OpenAIStub, approval: bool = False) -> dict[str, Any]:
    spec = agent_workflow(stub.base_url, approval)
    for node in spec["nodes"]:
        if node["type"] == "function_tool":  # tool names the model may use: a-z, 0-9, _, -
            node["config"]["name"] = node["config"]["function"].replace(".", "_")
    return spec


async def test_the_agent_calls_two_tools_and_answers(
    engine: Engine, stub: OpenAIStub, marks: Path, home: Path
) -> None:
    engine.import_workflow(flow(stub))
    run = await engine.run("agent", {"job": "the chores"})
    assert run.status == "succeeded", run.error
    (step,) = [s for s in engine.steps(run.id) if s.node_id == "agent"]
    out = step.output
    assert out["text"] == 'finished: {"noted": "milk"} | {"slept": true}'
    assert out["steps"] == 3
    assert out["usage"] == {"prompt_tokens": 90, "completion_tokens": 14, "total_tokens": 104}
    assert [c["name"] for c in out["tool_calls"]] == ["ai_note", "ai_slow"]
    assert calls_made(marks) == ["note", "slow"]
    # the function saw its call's idempotency key: run, agent step, journal place, call id
    assert (marks / "keys.txt").read_text().split() == [f"{run.id}:agent:1:c1"]
    first = stub.chat_requests()[0]
    assert first["messages"][-1] == {"role": "user", "content": "Do the chores"}
    tools = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert tools["ai_note"]["parameters"] == {
        "type": "object",
        "properties": {"text": {"type": "string"}},
        "required": ["text"],
        "additionalProperties": False,
    }
    assert tools["ai_note"]["description"] == "Write a note down."
    assert [k for _, k in journal(home)] == ["model", "tool", "model", "tool", "model"]
    assert {s.node_id for s in engine.steps(run.id)} == {"start", "agent", "end"}


async def test_a_tool_behind_approval_waits_for_a_person_then_goes_on(
    engine: Engine, stub: OpenAIStub, marks: Path, home: Path
) -> None:
    engine.import_workflow(flow(stub, approval=True))
    run = await engine.run("agent", {"job": "the chores"})
    assert run.status == "waiting"
    assert calls_made(marks) == ["note"]  # slow waits for the person
    (task,) = engine.tasks.open_tasks(run_id=run.id)
    assert task["title"] == "Approve tool call: ai_slow"
    assert '"seconds": 0' in task["description"]
    assert len(stub.chat_requests()) == 2
    engine.tasks.complete(task["id"], "approve", {"arguments": '{"seconds": 0}'}, by="maria")
    finished = await engine.wait(run.id, 30)
    assert finished.status == "succeeded", finished.error
    (step,) = [s for s in engine.steps(run.id) if s.node_id == "agent"]
    assert step.output["text"] == 'finished: {"noted": "milk"} | {"slept": true}'
    assert calls_made(marks) == ["note", "slow"]  # note was replayed, not run again
    assert len(stub.chat_requests()) == 3  # each reply requested exactly once
    kinds = [k for _, k in journal(home)]
    assert kinds == ["model", "tool", "model", "approval", "tool", "model"]


async def test_a_rejected_call_tells_the_model_why(
    engine: Engine, stub: OpenAIStub, marks: Path
) -> None:
    engine.import_workflow(flow(stub, approval=True))
    run = await engine.run("agent", {"job": "x"})
    (task,) = engine.tasks.open_tasks(run_id=run.id)
    engine.tasks.complete(task["id"], "reject", {"reason": "not on a Sunday"}, by="maria")
    finished = await engine.wait(run.id, 30)
    assert finished.status == "succeeded", finished.error
    last = stub.chat_requests()[-1]
    refused = json.loads(tool_messages(last)[-1]["content"])
    assert refused == {"error": "a person rejected this call: not on a Sunday"}
    assert calls_made(marks) == ["note"]  # slow never ran


async def test_edited_arguments_are_the_ones_used(
    engine: Engine, stub: OpenAIStub, marks: Path
) -> None:
    engine.import_workflow(flow(stub, approval=True))
    run = await engine.run("agent", {"job": "x"})
    (task,) = engine.tasks.open_tasks(run_id=run.id)
    engine.tasks.complete(task["id"], "approve", {"arguments": '{"seconds": 0.01}'})
    finished = await engine.wait(run.id, 30)
    (step,) = [s for s in engine.steps(run.id) if s.node_id == "agent"]
    assert finished.status == "succeeded"
    assert step.output["tool_calls"][1]["arguments"] == {"seconds": 0.01}


async def test_unknown_tools_and_bad_arguments_go_back_to_the_model(
    engine: Engine, marks: Path
) -> None:
    def responder(body: dict[str, Any]) -> Step:
        done = tool_messages(body)
        if not done:
            return Reply(None, [tool_call("a", "nope", {}), tool_call("b", "ai_note", {})])
        return Reply("ok: " + " | ".join(m["content"] for m in done))

    with OpenAIStub(responder=responder) as stub:
        engine.import_workflow(flow(stub))
        run = await engine.run("agent", {"job": "x"})
    assert run.status == "succeeded", run.error
    (step,) = [s for s in engine.steps(run.id) if s.node_id == "agent"]
    assert "there is no tool named 'nope' (tools: ai_note, ai_slow)" in step.output["text"]
    assert "TypeError" in step.output["text"]  # note needs its `text` argument


async def test_the_step_limit_fails_the_step_clearly(engine: Engine, marks: Path) -> None:
    def forever(body: dict[str, Any]) -> Step:
        return Reply(None, [tool_call(f"c{len(body['messages'])}", "ai_note", {"text": "x"})])

    with OpenAIStub(responder=forever) as stub:
        spec = flow(stub)
        spec["nodes"][1]["config"]["max_steps"] = 3
        engine.import_workflow(spec)
        run = await engine.run("agent", {"job": "x"})
        assert len(stub.chat_requests()) == 3
    assert run.status == "failed"
    (step,) = [s for s in engine.steps(run.id) if s.node_id == "agent"]
    assert step.error["message"] == "the agent did not finish within max_steps=3 model calls"


async def test_an_agent_without_a_model_fails_clearly(engine: Engine, stub: OpenAIStub) -> None:
    spec = flow(stub)
    spec["edges"] = [e for e in spec["edges"] if e["source"] != "gpt"]
    spec["nodes"] = [n for n in spec["nodes"] if n["id"] != "gpt"]
    # Refused before it can run: validation counts an agent's sub-nodes (app.core.validate_ai).
    with pytest.raises(WorkflowInvalid, match=r"needs exactly one Model sub-node .* has 0"):
        engine.import_workflow(spec)


async def test_ren_show_sums_the_tokens_of_the_run(
    engine: Engine, stub: OpenAIStub, marks: Path
) -> None:
    from app.api.ops import show

    engine.import_workflow(flow(stub))
    run = await engine.run("agent", {"job": "x"})
    report = await show(engine, run.id)
    assert report["usage"] == {"prompt_tokens": 90, "completion_tokens": 14, "total_tokens": 104}


async def test_a_workflow_tool_runs_a_child_run_and_the_agent_goes_on(
    engine: Engine, marks: Path
) -> None:
    def responder(body: dict[str, Any]) -> Step:
        done = tool_messages(body)
        if not done:
            return Reply(None, [tool_call("w1", "double", {"n": 21})])
        return Reply("child said " + done[0]["content"])

    child = {
        "schema": "ren.workflow/1",
        "id": "doubler",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "calc", "type": "set", "config": {"values": {"twice": "{{ input.n * 2 }}"}}},
        ],
        "edges": [{"source": "start", "target": "calc"}],
    }
    with OpenAIStub(responder=responder) as stub:
        spec = flow(stub)
        spec["nodes"].append(
            {
                "id": "t_double",
                "type": "workflow_tool",
                "config": {
                    "workflow": "doubler",
                    "name": "double",
                    "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}},
                },
            }
        )
        spec["edges"].append(
            {
                "source": "t_double",
                "source_port": "ai_tool",
                "target": "agent",
                "target_port": "ai_tool",
            }
        )
        engine.import_workflow(child)
        engine.import_workflow(spec)
        run = await engine.run("agent", {"job": "x"})
        for _ in range(50):
            run = await engine.wait(run.id, 30)
            if run.status != "waiting":
                break
            await asyncio.sleep(0.05)
        assert len(stub.chat_requests()) == 2
    assert run.status == "succeeded", run.error
    (step,) = [s for s in engine.steps(run.id) if s.node_id == "agent"]
    assert step.output["text"] == 'child said {"n": 21, "twice": 42}'


async def test_two_calls_behind_approval_each_wait_for_their_own_answer(
    engine: Engine, stub: OpenAIStub, marks: Path
) -> None:
    spec = flow(stub, approval=True)
    spec["nodes"][4]["config"]["require_approval"] = True  # note too
    engine.import_workflow(spec)
    run = await engine.run("agent", {"job": "x"})
    (first,) = engine.tasks.open_tasks(run_id=run.id)
    assert first["title"] == "Approve tool call: ai_note"
    engine.tasks.complete(first["id"], "approve", {})
    run = await engine.wait(run.id, 30)
    for _ in range(50):  # the woken run goes on until it waits for the second answer
        if engine.tasks.open_tasks(run_id=run.id):
            break
        await asyncio.sleep(0.05)
    (second,) = engine.tasks.open_tasks(run_id=run.id)
    assert second["title"] == "Approve tool call: ai_slow"  # not answered by the first answer
    assert calls_made(marks) == ["note"]
    engine.tasks.complete(second["id"], "reject", {"reason": "no"})
    for _ in range(50):
        run = await engine.wait(run.id, 30)
        if run.status not in ("waiting", "running"):
            break
        await asyncio.sleep(0.05)
    assert run.status == "succeeded", run.error
    assert calls_made(marks) == ["note"]
    assert len(stub.chat_requests()) == 3


async def test_an_http_tool_calls_a_url_filled_from_the_model_arguments(
    engine: Engine, marks: Path
) -> None:
    from tests.nodes.http_server import serve

    def responder(body: dict[str, Any]) -> Step:
        done = tool_messages(body)
        if not done:
            return Reply(None, [tool_call("h1", "weather", {"city": "Oslo"})])
        return Reply("got " + done[0]["content"])

    server_iter = serve()
    server = next(server_iter)
    try:
        with OpenAIStub(responder=responder) as stub:
            spec = flow(stub)
            spec["nodes"].append(
                {
                    "id": "t_http",
                    "type": "http_tool",
                    "config": {
                        "name": "weather",
                        "url": server.url + "/echo",
                        "query": {"city": "{{ input.city }}"},
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                        },
                    },
                }
            )
            spec["edges"].append(
                {
                    "source": "t_http",
                    "source_port": "ai_tool",
                    "target": "agent",
                    "target_port": "ai_tool",
                }
            )
            engine.import_workflow(spec)
            run = await engine.run("agent", {"job": "x"})
            tools = {t["function"]["name"] for t in stub.chat_requests()[0]["tools"]}
    finally:
        server_iter.close()
    assert run.status == "succeeded", run.error
    assert "weather" in tools
    (step,) = [s for s in engine.steps(run.id) if s.node_id == "agent"]
    result = step.output["tool_calls"][0]["result"]
    assert result["status"] == 200
    assert result["body"]["query"] == {"city": "Oslo"}


async def test_a_memory_turn_written_while_the_agent_waits_does_not_change_its_replay(
    engine: Engine, marks: Path
) -> None:
    """Run A waits for an approval; run B of the same chat session ends meanwhile and adds a
    turn. A resumes with the conversation it started with: no reply is asked again."""

    def responder(body: dict[str, Any]) -> Step:
        asked = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        if asked == "Do tool" and not tool_messages(body):
            return Reply(None, [tool_call("s1", "ai_slow", {"seconds": 0})])
        return Reply(f"ok {asked}")

    with OpenAIStub(responder=responder) as stub:
        spec = flow(stub, approval=True)
        spec["nodes"].append({"id": "mem", "type": "memory_window", "config": {"turns": 5}})
        spec["edges"].append(
            {
                "source": "mem",
                "source_port": "ai_memory",
                "target": "agent",
                "target_port": "ai_memory",
            }
        )
        engine.import_workflow(spec)
        waiting = await engine.run("agent", {"job": "tool", "session": "s"})
        assert waiting.status == "waiting"
        other = await engine.run("agent", {"job": "chat", "session": "s"})
        assert other.status == "succeeded", other.error
        (task,) = engine.tasks.open_tasks(run_id=waiting.id)
        engine.tasks.complete(task["id"], "approve", {})
        for _ in range(50):
            done = await engine.wait(waiting.id, 30)
            if done.status not in ("waiting", "running"):
                break
            await asyncio.sleep(0.05)
        assert done.status == "succeeded", done.error
        firsts = [b for b in stub.chat_requests() if b["messages"][-1]["content"] == "Do tool"]
    assert len(firsts) == 1  # the first question of run A was asked once
    (step,) = [s for s in engine.steps(done.id) if s.node_id == "agent"]
    assert step.output["text"] == "ok Do tool"
