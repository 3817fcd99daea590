"""Streamed replies (`stream: true`, server-sent events) from the local stub over real HTTP:
the text grows chunk by chunk, tool calls and usage are put back together, an endpoint that
answers plain JSON still works, a stream cut short is an error naming the endpoint, and the
journal keeps one entry with the whole reply, replayed without asking again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.ai_journal import AiJournal, folder_store
from app.engine.service import Engine
from app.nodes.ai_model_client import ModelError, ModelSettings, chat, chat_body
from app.nodes.ai_model_journal import DurableCalls
from app.nodes.ai_model_stream import StreamedReply
from tests.ai.openai_stub import OpenAIStub, Reply, tool_call

HELLO = "Hello there, how can I help?"


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def ask(settings: ModelSettings, text: str = "hi") -> dict[str, Any]:
    return chat_body(settings, [{"role": "user", "content": text}])


async def test_text_arrives_in_pieces_and_the_reply_is_whole(stub: OpenAIStub) -> None:
    settings = ModelSettings(base_url=stub.base_url, model="m")
    stub.script = [Reply(HELLO, usage=(7, 6))]
    seen: list[str] = []
    reply = await chat(settings, ask(settings), seen.append)
    assert seen == [
        "Hello ",
        "Hello there, ",
        "Hello there, how ",
        "Hello there, how can ",
        ("Hello there, how can I "),
        HELLO,
    ]
    assert reply.text == HELLO
    assert reply.usage == {"prompt_tokens": 7, "completion_tokens": 6, "total_tokens": 13}
    body = stub.chat_requests()[0]
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


async def test_tool_calls_are_put_together_from_their_parts(stub: OpenAIStub) -> None:
    settings = ModelSettings(base_url=stub.base_url, model="m")
    calls = [tool_call("c1", "add", {"a": 2, "b": 40}), tool_call("c2", "note", {"text": "x"})]
    stub.script = [Reply(None, calls)]
    seen: list[str] = []
    reply = await chat(settings, ask(settings), seen.append)
    assert reply.tool_calls == calls and reply.text == "" and seen == []


async def test_an_endpoint_that_does_not_stream_answers_as_json() -> None:
    with OpenAIStub([Reply(HELLO, usage=(3, 4))], streams=False) as stub:
        settings = ModelSettings(base_url=stub.base_url, model="m")
        seen: list[str] = []
        reply = await chat(settings, ask(settings), seen.append)
    assert reply.text == HELLO and reply.usage["total_tokens"] == 7 and seen == []


def test_an_error_event_in_the_stream_fails_the_call() -> None:
    reply = StreamedReply()
    with pytest.raises(ModelError, match="ended with an error: overloaded"):
        reply.add({"error": {"message": "overloaded"}})


async def test_a_stream_that_ends_early_names_the_endpoint(stub: OpenAIStub) -> None:
    settings = ModelSettings(base_url=stub.base_url, model="m", retries=0)
    stub.script = [Reply("cut")]
    stub.cut_streams = True
    with pytest.raises(ModelError, match=r"/chat/completions ended its stream before the reply"):
        await chat(settings, ask(settings))


async def test_the_journal_keeps_the_whole_streamed_reply_and_replays_it(
    engine: Engine, stub: OpenAIStub, home: Path
) -> None:
    stub.script = [Reply(HELLO)]
    engine.import_workflow(
        {
            "id": "ask",
            "nodes": [
                {"id": "start", "type": "start"},
                {
                    "id": "ask",
                    "type": "llm",
                    "config": {"base_url": stub.base_url, "model": "m", "prompt": "hi"},
                },
            ],
            "edges": [{"source": "start", "target": "ask"}],
        }
    )
    run = await engine.run("ask", {})
    assert run.status == "succeeded", run.error
    journal = AiJournal(folder_store(home), run.id, "ask")
    (entry,) = journal.entries  # one entry for the whole streamed reply
    assert entry.kind == "model"
    assert entry.response["choices"][0]["message"]["content"] == HELLO

    # the step running again (after a crash) gets the whole reply without a request, whether
    # it asks streamed or not: streaming is how a reply travels, not what was asked
    for stream in (True, False):
        settings = ModelSettings(base_url=stub.base_url, model="m", stream=stream)
        calls = DurableCalls(AiJournal(folder_store(home), run.id, "ask"))
        reply = await calls.chat(settings, ask(settings))
        assert reply.text == HELLO and calls.calls == 0
    assert len(stub.chat_requests()) == 1
