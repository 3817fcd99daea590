"""The memory_window sub-node on a real engine: an agent sees the session's last N turns, each
turn is written once with its step (a step that fails after the model answered writes none),
sessions are apart, and bad session keys fail the step saying why."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.nodes.ai_ports import sub_node_edge
from tests.ai.openai_stub import OpenAIStub, Reply
from tests.conftest import chain_workflow


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def agent_with_memory(stub: OpenAIStub, turns: int = 2) -> dict[str, Any]:
    flow = chain_workflow(
        {"type": "ai_agent", "config": {"prompt": "{{ input.message }}", "system": "Be brief."}}
    )
    flow["nodes"] += [
        {"id": "gpt", "type": "chat_model", "config": {"base_url": stub.base_url, "model": "m"}},
        {"id": "mem", "type": "memory_window", "config": {"turns": turns}},
    ]
    flow["edges"] += [
        sub_node_edge("gpt", "n1", "ai_language_model"),
        sub_node_edge("mem", "n1", "ai_memory"),
    ]
    return flow


def turns_stored(home: Path) -> dict[str, list[dict[str, str]]]:
    with sqlite3.connect(home / "ren.sqlite") as conn:
        rows = conn.execute("SELECT key, value FROM kv WHERE scope = 'memory:wf'").fetchall()
    return {key: json.loads(value) for key, value in rows}


async def say(engine: Engine, session: str, message: str) -> Any:
    run = await engine.run("wf", {"session": session, "message": message})
    assert run.status == "succeeded", run.error
    return run


async def test_the_agent_sees_the_last_turns_of_its_session_only(
    engine: Engine, home: Path, stub: OpenAIStub
) -> None:
    stub.script = [Reply("A1"), Reply("B1"), Reply("A2"), Reply("A3"), Reply("A4")]
    engine.import_workflow(agent_with_memory(stub, turns=2))
    await say(engine, "ann", "one")
    await say(engine, "bob", "hello")
    await say(engine, "ann", "two")
    await say(engine, "ann", "three")
    await say(engine, "ann", "four")
    sent = [r["messages"] for r in stub.chat_requests()]
    assert sent[1] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hello"},
    ]  # Bob's session does not see Ann's turn
    assert sent[2][1:] == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "two"},
    ]
    assert sent[4][1:] == [  # a window of 2 turns: "one" has gone
        {"role": "user", "content": "two"},
        {"role": "assistant", "content": "A2"},
        {"role": "user", "content": "three"},
        {"role": "assistant", "content": "A3"},
        {"role": "user", "content": "four"},
    ]
    assert turns_stored(home) == {
        "ann": [{"user": "three", "assistant": "A3"}, {"user": "four", "assistant": "A4"}],
        "bob": [{"user": "hello", "assistant": "B1"}],
    }


async def test_a_turn_is_written_once_with_its_step(
    engine: Engine, home: Path, stub: OpenAIStub
) -> None:
    """The edge after the agent fails when evaluated: the agent's step fails after the model
    answered, so its turn is not written; re-running the step writes it exactly once."""
    stub.script = [Reply("first"), Reply("again")]
    flow = agent_with_memory(stub)
    flow["edges"][1]["when"] = "input.text / 0 > 1"
    engine.import_workflow(flow)
    run = await engine.run("wf", {"session": "s", "message": "hi"})
    assert run.status == "failed"
    assert turns_stored(home) == {}
    flow["edges"][1].pop("when")
    engine.import_workflow(flow)
    again = await engine.run("wf", {"session": "s", "message": "hi"})
    assert again.status == "succeeded", again.error
    assert turns_stored(home) == {"s": [{"user": "hi", "assistant": "again"}]}
    # The failed run left no turn behind, so the second request carried no history.
    assert [m["role"] for m in stub.chat_requests()[1]["messages"]] == ["system", "user"]


async def test_on_its_own_in_the_flow_it_records_a_turn(engine: Engine, home: Path) -> None:
    config = {"session_key": "{{ input.chat }}", "user": "{{ input.q }}", "assistant": "ok"}
    engine.import_workflow(chain_workflow({"type": "memory_window", "config": config}))
    for q in ("a", "b"):
        run = await engine.run("wf", {"chat": "c1", "q": q})
        assert run.status == "succeeded", run.error
    step = engine.steps(run.id)[-1]
    assert step.output == {
        "session": "c1",
        "turns": [{"user": "a", "assistant": "ok"}, {"user": "b", "assistant": "ok"}],
    }
    assert turns_stored(home)["c1"] == step.output["turns"]


async def test_an_empty_session_key_fails_the_step_saying_why(engine: Engine, home: Path) -> None:
    engine.import_workflow(chain_workflow({"type": "memory_window", "config": {}}))
    for given, message in (
        ({"session": " "}, "the session key '{{ input.session }}' gave empty text"),
        ({}, "'input' has no key 'session'"),
        ({"session": "x" * 201}, "the session key is 201 characters, over 200"),
    ):
        run = await engine.run("wf", given)
        assert run.status == "failed"
        assert message in engine.steps(run.id)[-1].error["message"]
    assert turns_stored(home) == {}
