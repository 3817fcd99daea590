"""What the AI agent loop costs per model or tool call, over the calls themselves.

    .venv/bin/python bench/ai_bench.py [--tools 20] [--repeats 7] [--no-stream]

A local OpenAI-compatible stub (tests/ai/openai_stub.py, its own thread) scripts an agent that
calls a trivial function tool `--tools` times and then answers: 2*tools + 1 calls in all.
Per turn:

- agent: the ai_agent step's own duration (its step row: started to finished) in a real engine
  on a real SQLite file; it builds each request, calls the stub, journals every reply and tool
  result (a commit each) and runs the tool;
- direct: the same model requests posted by one keep-alive httpx client, back to back (the
  stub's time plus the HTTP round trips the agent cannot avoid; bodies read, not parsed);

overhead per call = (agent - direct) / (2*tools + 1). Printed: medians over the turns.
The model streams its replies (server-sent events, the chat model's default), so putting them
back together is part of the loop's cost; `--no-stream` asks for plain JSON answers instead.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import register_function
from app.engine.service import Engine
from tests.ai.openai_stub import OpenAIStub, Reply, Step, tool_call


@register_function("bench.echo")
def echo(state: dict[str, Any], n: int) -> dict[str, Any]:
    return {"n": n}


def scripted(tools: int) -> Any:
    def responder(body: dict[str, Any]) -> Step:
        done = sum(1 for m in body["messages"] if m["role"] == "tool")
        if done < tools:
            return Reply(None, [tool_call(f"c{done}", "echo", {"n": done})])
        return Reply("done")

    return responder


def workflow(base_url: str, stream: bool) -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "id": "bench",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "agent", "type": "ai_agent", "config": {"prompt": "go", "max_steps": 100}},
            {
                "id": "gpt",
                "type": "chat_model",
                "config": {"base_url": base_url, "model": "m", "stream": stream},
            },
            {
                "id": "echo",
                "type": "function_tool",
                "config": {"function": "bench.echo", "name": "echo"},
            },
        ],
        "edges": [
            {"source": "start", "target": "agent"},
            {
                "source": "gpt",
                "source_port": "ai_language_model",
                "target": "agent",
                "target_port": "ai_language_model",
            },
            {
                "source": "echo",
                "source_port": "ai_tool",
                "target": "agent",
                "target_port": "ai_tool",
            },
        ],
    }


async def agent_turn(engine: Engine) -> tuple[float, list[dict[str, Any]]]:
    run = await engine.run("bench", {})
    assert run.status == "succeeded", run.error
    (step,) = [s for s in engine.steps(run.id) if s.node_id == "agent"]
    assert step.started_at is not None and step.finished_at is not None
    return step.finished_at - step.started_at, []


async def direct_turn(client: httpx.AsyncClient, url: str, bodies: list[dict[str, Any]]) -> float:
    loop = asyncio.get_running_loop()
    began = loop.time()
    for body in bodies:
        response = await client.post(url, json=body)  # reads the body (streamed or not)
        response.raise_for_status()
    return loop.time() - began


async def main(tools: int, repeats: int, stream: bool) -> None:
    calls = 2 * tools + 1
    with tempfile.TemporaryDirectory() as folder, OpenAIStub(responder=scripted(tools)) as stub:
        engine = Engine(Path(folder) / "home")
        await engine.start()
        engine.import_workflow(workflow(stub.base_url, stream))
        await agent_turn(engine)  # warm up (imports, first connections)
        bodies = stub.chat_requests()[-(tools + 1) :]
        url = stub.base_url + "/chat/completions"
        agent_s, stub_s, direct_s, over_stub, over_direct = [], [], [], [], []
        async with httpx.AsyncClient() as client:
            await direct_turn(client, url, bodies)
            for _ in range(repeats):
                busy = stub.busy_s
                a, _ = await agent_turn(engine)
                served = stub.busy_s - busy
                d = await direct_turn(client, url, bodies)
                agent_s.append(a)
                stub_s.append(served)
                direct_s.append(d)
                over_stub.append((a - served) / calls)
                over_direct.append((a - d) / calls)
        await engine.stop()
    print(f"tool calls per run: {tools}, model calls: {tools + 1}, calls in all: {calls}")
    print(f"replies: {'streamed (server-sent events)' if stream else 'plain JSON'}")
    for label, values in (
        ("agent step", agent_s),
        ("stub's own time in it", stub_s),
        ("direct model requests", direct_s),
        ("overhead per call over the stub's time", over_stub),
        ("overhead per call over direct requests", over_direct),
    ):
        print(
            f"{label}: median {statistics.median(values) * 1000:.2f} ms, "
            f"best {min(values) * 1000:.2f} ms"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--no-stream", action="store_true", help="plain JSON replies")
    args = parser.parse_args()
    asyncio.run(main(args.tools, args.repeats, not args.no_stream))
