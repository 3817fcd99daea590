"""A real engine process for the agent kill -9 test: `start` begins a run, `resume` only
recovers it. The agent calls `ai.note` (returns at once) and then `ai_slow`: with an API URL
(the 4th argument) an http_tool POSTing to it (the test's server holds the first request, so
the test kills the process while it waits), else the function `ai.slow` (in-process tests)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from app import register_function
from app.engine.service import Engine

MARKS = Path(os.environ.get("AI_TEST_MARKS", "."))


def mark(name: str) -> None:
    with (MARKS / "calls.txt").open("a", encoding="utf-8") as out:
        out.write(name + "\n")


@register_function("ai.note")
def note(state: dict[str, Any], text: str, ctx: Any) -> dict[str, Any]:
    """Write a note down."""
    mark("note")
    with (MARKS / "keys.txt").open("a", encoding="utf-8") as out:
        out.write(ctx.idempotency_key + "\n")
    return {"noted": text}


@register_function("ai.slow")
async def slow(state: dict[str, Any], seconds: float = 60.0) -> dict[str, Any]:
    """Work for a while."""
    first = not (MARKS / "slow-started").exists()
    mark("slow")  # before the sign that it started: what a test sees then is written
    (MARKS / "slow-started").touch()
    if first:
        await asyncio.sleep(seconds)
    return {"slept": True}


def agent_workflow(base_url: str, approval: bool = False) -> dict[str, Any]:
    """start -> agent (model, tools note + slow) -> end."""
    return {
        "schema": "ren.workflow/1",
        "id": "agent",
        "name": "agent",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "agent", "type": "ai_agent", "config": {"prompt": "Do {{ input.job }}"}},
            {"id": "end", "type": "end"},
            {"id": "gpt", "type": "chat_model", "config": {"base_url": base_url, "model": "m"}},
            {"id": "t_note", "type": "function_tool", "config": {"function": "ai.note"}},
            {
                "id": "t_slow",
                "type": "function_tool",
                "config": {"function": "ai.slow", "require_approval": approval},
            },
        ],
        "edges": [
            {"source": "start", "target": "agent"},
            {"source": "agent", "target": "end"},
            {
                "source": "gpt",
                "source_port": "ai_language_model",
                "target": "agent",
                "target_port": "ai_language_model",
            },
            {
                "source": "t_note",
                "source_port": "ai_tool",
                "target": "agent",
                "target_port": "ai_tool",
            },
            {
                "source": "t_slow",
                "source_port": "ai_tool",
                "target": "agent",
                "target_port": "ai_tool",
            },
        ],
    }


def http_slow(api_url: str) -> dict[str, Any]:
    """The slow tool as an http_tool: POST {"seconds": ...} to the test's server."""
    return {
        "id": "t_slow",
        "type": "http_tool",
        "config": {
            "name": "ai_slow",
            "method": "POST",
            "url": api_url,
            "body": {"seconds": "{{ input.seconds }}"},
            "timeout_s": 600,
            "parameters": {"type": "object", "properties": {"seconds": {"type": "number"}}},
        },
    }


async def main(mode: str, home: Path, base_url: str, api_url: str = "") -> None:
    engine = Engine(home)
    await engine.start(recover=True)
    if mode == "start":
        spec = agent_workflow(base_url)
        if api_url:
            nodes = spec["nodes"]
            spec["nodes"] = [http_slow(api_url) if n["id"] == "t_slow" else n for n in nodes]
        engine.import_workflow(spec)
        await engine.start_run("agent", {"job": "the chores"})
    while any(r.status not in ("succeeded", "failed", "canceled") for r in engine.list_runs()):
        await asyncio.sleep(0.05)
    await engine.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), *sys.argv[3:]))
