"""The `llm` node and the chat_model sub-node on a real engine against a local OpenAI-compatible
stub: prompt templates, usage, structured output repaired once then failing clearly, retries on
429 with Retry-After and 5xx, and a credential's key never in events, steps or logs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.dsl import WorkflowSpec
from app.credentials.vault import Vault
from app.engine.service import Engine
from app.nodes.ai_ports import sub_node_edge
from tests.ai.openai_stub import Error, OpenAIStub, Reply
from tests.conftest import chain_workflow
from tests.nodes.http_helpers import vault  # noqa: F401 - the fixture

SCHEMA = {
    "type": "object",
    "properties": {"label": {"enum": ["bug", "question"]}, "score": {"type": "number"}},
    "required": ["label", "score"],
}
KEY = "sk-test-very-secret-4711"


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def llm_flow(**config: Any) -> dict[str, Any]:
    return chain_workflow({"type": "llm", "config": config})


async def run_llm(engine: Engine, flow: dict[str, Any], input: Any = None) -> Any:
    engine.import_workflow(flow)
    run = await engine.run("wf", input or {})
    steps = [s for s in engine.steps(run.id) if s.node_id == "n1"]
    return run, steps[-1]


async def test_prompt_templates_over_run_data_and_usage_in_the_output(
    engine: Engine, stub: OpenAIStub
) -> None:
    stub.script = [Reply("Hello Ann", usage=(12, 3))]
    flow = llm_flow(
        base_url=stub.base_url,
        model="tiny",
        system="You greet {{ input.who }}.",
        prompt="Say hi to {{ input.who }}",
        temperature=0.2,
    )
    run, step = await run_llm(engine, flow, {"who": "Ann"})
    assert run.status == "succeeded"
    assert step.output["text"] == "Hello Ann"
    assert step.output["usage"] == {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    (sent,) = stub.chat_requests()
    assert sent["model"] == "tiny" and sent["temperature"] == 0.2
    assert sent["messages"] == [
        {"role": "system", "content": "You greet Ann."},
        {"role": "user", "content": "Say hi to Ann"},
    ]


async def test_an_attached_chat_model_is_used(engine: Engine, stub: OpenAIStub) -> None:
    stub.script = [Reply("from the sub-node")]
    flow = llm_flow(prompt="hi")
    flow["nodes"].append(
        {
            "id": "gpt",
            "type": "chat_model",
            "config": {"base_url": stub.base_url, "model": "sub", "max_tokens": 50},
        }
    )
    flow["edges"].append(sub_node_edge("gpt", "n1", "ai_language_model"))
    run, step = await run_llm(engine, flow)
    assert run.status == "succeeded", run.error
    assert step.output["text"] == "from the sub-node"
    assert stub.chat_requests()[0]["model"] == "sub"
    assert stub.chat_requests()[0]["max_tokens"] == 50
    assert "gpt" not in {s.node_id for s in engine.steps(run.id)}  # a sub-node is not a step


async def test_structured_output_valid_at_once(engine: Engine, stub: OpenAIStub) -> None:
    stub.script = [Reply('```json\n{"label": "bug", "score": 0.9}\n```')]
    run, step = await run_llm(
        engine, llm_flow(base_url=stub.base_url, model="m", prompt="triage", schema=SCHEMA)
    )
    assert run.status == "succeeded"
    assert step.output["data"] == {"label": "bug", "score": 0.9}
    (sent,) = stub.chat_requests()
    assert sent["response_format"] == {"type": "json_object"}
    assert "JSON Schema" in sent["messages"][0]["content"]


async def test_structured_output_is_repaired_once_with_the_validation_error(
    engine: Engine, stub: OpenAIStub
) -> None:
    stub.script = [
        Reply('{"label": "feature"}', usage=(5, 5)),
        Reply('{"label": "question", "score": 1}', usage=(7, 2)),
    ]
    run, step = await run_llm(
        engine, llm_flow(base_url=stub.base_url, model="m", prompt="triage", schema=SCHEMA)
    )
    assert run.status == "succeeded"
    assert step.output["data"] == {"label": "question", "score": 1}
    assert step.output["usage"]["total_tokens"] == 19
    _, second = stub.chat_requests()
    repair = second["messages"][-1]["content"]
    assert second["messages"][-2] == {"role": "assistant", "content": '{"label": "feature"}'}
    assert "does not match the schema" in repair and "score" in repair


async def test_structured_output_fails_clearly_after_one_repair(
    engine: Engine, stub: OpenAIStub
) -> None:
    stub.script = [Reply("not json at all"), Reply('{"label": "bug", "score": "high"}')]
    run, step = await run_llm(
        engine, llm_flow(base_url=stub.base_url, model="m", prompt="triage", schema=SCHEMA)
    )
    assert run.status == "failed"
    assert len(stub.chat_requests()) == 2
    message = step.error["message"]
    assert "does not match the schema after one repair" in message
    assert "at score" in message and "'high' is not of type 'number'" in message


async def test_429_with_retry_after_and_a_5xx_are_retried(engine: Engine, stub: OpenAIStub) -> None:
    stub.script = [
        Error(429, "slow down", retry_after="0"),
        Error(503, "busy", retry_after="0"),
        Reply("ok"),
    ]
    run, step = await run_llm(
        engine, llm_flow(base_url=stub.base_url, model="m", prompt="p", retries=2)
    )
    assert run.status == "succeeded"
    assert step.output["text"] == "ok"
    assert len(stub.chat_requests()) == 3


async def test_errors_name_the_endpoint_and_status_when_retries_run_out(
    engine: Engine, stub: OpenAIStub
) -> None:
    stub.script = [Error(429, "quota", retry_after="0"), Error(401, "bad key")]
    run, step = await run_llm(
        engine, llm_flow(base_url=stub.base_url, model="m", prompt="p", retries=3)
    )
    assert run.status == "failed"
    assert step.error["message"] == f"{stub.base_url}/chat/completions answered 401: bad key"
    assert len(stub.chat_requests()) == 2  # a 401 is not retried


def test_bad_config_is_reported_before_a_run(engine: Engine) -> None:
    flow = llm_flow(base_url="ftp://x", model="m", prompt="p", schema={"type": "nonsense"})
    problems = engine.validate(WorkflowSpec.model_validate(flow))
    fields = {(p.node_id, p.field) for p in problems}
    assert ("n1", "config.base_url") in fields or ("n1", "base_url") in fields, problems
    assert any(p.node_id == "n1" and "not a valid JSON Schema" in p.message for p in problems)
    half = engine.validate(WorkflowSpec.model_validate(llm_flow(prompt="p", model="m")))
    assert any("give both base_url and model" in p.message for p in half)


async def test_no_model_fails_with_a_clear_message(engine: Engine) -> None:
    run, step = await run_llm(engine, llm_flow(prompt="p"))
    assert run.status == "failed"
    assert "no model: set base_url and model, or attach a Chat model" in step.error["message"]


async def test_the_credential_key_is_sent_but_never_shown(
    engine: Engine,
    stub: OpenAIStub,
    vault: Vault,  # noqa: F811 - the fixture
    home: Path,
) -> None:
    vault.put("openai", "bearer", {"token": KEY})
    stub.script = [Reply(f"I saw the key {KEY}"), Error(400, f"key {KEY} is wrong")]
    flow = llm_flow(base_url=stub.base_url, model="m", prompt="p", credential="openai")
    run, step = await run_llm(engine, flow)
    assert run.status == "succeeded"
    assert stub.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    assert KEY not in json.dumps(step.output)
    run2, step2 = await run_llm(engine, flow)
    assert run2.status == "failed"
    assert KEY not in step2.error["message"] and "key" in step2.error["message"]
    for run_id in (run.id, run2.id):
        shown = json.dumps([e.data for e in engine.events(run_id)], default=str)
        assert KEY not in shown
    logs = [p for p in home.rglob("*") if p.is_file() and p.suffix in (".log", ".jsonl", ".txt")]
    for path in logs:
        assert KEY not in path.read_text(errors="replace")


async def test_an_unreachable_endpoint_fails_naming_it(engine: Engine) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    run, step = await run_llm(engine, llm_flow(base_url=url, model="m", prompt="p", retries=0))
    assert run.status == "failed"
    assert step.error["message"] == f"cannot reach {url}/chat/completions: ConnectError"


async def test_embeddings_of_an_openai_compatible_endpoint(stub: OpenAIStub) -> None:
    from app.nodes.ai_model_client import ModelSettings, embed

    settings = ModelSettings(base_url=stub.base_url, model="emb", headers={"X-Key": "k"})
    vectors, usage = await embed(settings, ["ab", "abc"])
    assert vectors == [[2.0, float((97 + 98) % 97)], [3.0, float((97 + 98 + 99) % 97)]]
    assert usage["prompt_tokens"] == 2
    (seen,) = stub.requests
    assert seen.path == "/v1/embeddings" and seen.body == {"model": "emb", "input": ["ab", "abc"]}
    assert seen.headers["X-Key"] == "k"


def test_a_bad_template_in_the_prompt_is_a_problem_before_a_run(engine: Engine) -> None:
    flow = llm_flow(base_url="http://127.0.0.1:9/v1", model="m", prompt="Hi {{ input. }}")
    problems = engine.validate(WorkflowSpec.model_validate(flow))
    assert any(p.node_id == "n1" and "prompt" in (p.field or "") for p in problems), problems
    agent = chain_workflow({"type": "ai_agent", "config": {"prompt": "{{ ) }}"}})
    found = engine.validate(WorkflowSpec.model_validate(agent))
    assert any(p.node_id == "n1" and "prompt" in (p.field or "") for p in found), found
