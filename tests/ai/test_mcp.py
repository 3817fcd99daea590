"""mcp_tools against a real local MCP server (stdio, written here with the mcp SDK): its tools
are listed, an AI agent calls them over one session for its whole step (the stdio server writes
a line to a file when it starts and when it ends), a failing tool tells the model, and a server
that is not there fails with a message naming it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.nodes.ai_mcp import McpError, McpToolsConfig, list_server_tools
from app.nodes.ai_ports import sub_node_edge
from tests.ai.openai_stub import OpenAIStub, Reply, tool_call
from tests.browser import free_port

SERVER = '''
import os
import sys

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("ren-test")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two whole numbers."""
    return a + b


@server.tool()
def explode(reason: str) -> str:
    """Always fails."""
    raise ToolError(f"boom: {reason}")


if len(sys.argv) > 1:  # a line per session (its process id), to the file it names
    with open(sys.argv[1], "a") as out:
        out.write(f"{os.getpid()}\\n")
server.run()
'''


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


@pytest.fixture
def server_config(tmp_path: Path) -> McpToolsConfig:
    script = tmp_path / "server.py"
    script.write_text(SERVER, encoding="utf-8")
    sessions = tmp_path / "sessions.txt"
    return McpToolsConfig(command=sys.executable, args=[str(script), str(sessions)], timeout_s=30)


def sessions(config: McpToolsConfig) -> list[int]:
    """The process ids of the server's sessions so far."""
    path = Path(config.args[1])
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_load_tools_lists_names_descriptions_and_schemas(
    server_config: McpToolsConfig,
) -> None:
    tools = await list_server_tools(server_config)
    assert [t["name"] for t in tools] == ["add", "explode"]
    assert tools[0]["description"] == "Add two whole numbers."
    assert tools[0]["input_schema"]["properties"].keys() == {"a", "b"}
    assert tools[0]["input_schema"]["required"] == ["a", "b"]


async def test_a_missing_server_fails_naming_it(tmp_path: Path) -> None:
    config = McpToolsConfig(command=str(tmp_path / "no-such-program"), timeout_s=10)
    with pytest.raises(McpError, match="no-such-program"):
        await list_server_tools(config)


def agent_flow(stub: OpenAIStub, mcp: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "wf",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "agent", "type": "ai_agent", "config": {"prompt": "What is 2 + 40?"}},
            {
                "id": "gpt",
                "type": "chat_model",
                "config": {"base_url": stub.base_url, "model": "m"},
            },
            {"id": "math", "type": "mcp_tools", "config": mcp},
        ],
        "edges": [
            {"source": "start", "target": "agent"},
            sub_node_edge("gpt", "agent", "ai_language_model"),
            sub_node_edge("math", "agent", "ai_tool"),
        ],
    }


async def test_an_agent_calls_the_servers_tools(
    engine: Engine, stub: OpenAIStub, server_config: McpToolsConfig
) -> None:
    config = {**server_config.model_dump(), "tools": await list_server_tools(server_config)}
    assert len(sessions(server_config)) == 1  # Load tools: a session of its own
    stub.script = [
        Reply(
            tool_calls=[
                tool_call("c1", "add", {"a": 2, "b": 40}),
                tool_call("c2", "explode", {"reason": "test"}),
            ]
        ),
        Reply(tool_calls=[tool_call("c3", "add", {"a": 1, "b": 1})]),
        Reply("It is 42."),
    ]
    engine.import_workflow(agent_flow(stub, config))
    run = await engine.run("wf", {})
    assert run.status == "succeeded", run.error
    # three calls over two model turns, one session (one server process), ended with the step
    (_, session) = sessions(server_config)
    assert not alive(session)
    step = next(s for s in engine.steps(run.id) if s.node_id == "agent")
    assert step.output["text"] == "It is 42."
    first = stub.chat_requests()[0]
    assert [t["function"]["name"] for t in first["tools"]] == ["add", "explode"]
    added, exploded = stub.chat_requests()[1]["messages"][-2:]
    assert json.loads(stub.chat_requests()[2]["messages"][-1]["content"]) in (2, {"result": 2})
    assert json.loads(added["content"]) in (42, {"result": 42})
    assert "boom: test" in exploded["content"]


async def test_an_mcp_node_without_listed_tools_shows_a_problem(
    engine: Engine, stub: OpenAIStub, server_config: McpToolsConfig
) -> None:
    from app.engine.workflows import WorkflowInvalid

    with pytest.raises(WorkflowInvalid, match="no tools listed yet: press Load tools"):
        engine.import_workflow(agent_flow(stub, server_config.model_dump()))


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    """The same server over Streamable HTTP, a subprocess on a free port of 127.0.0.1."""
    port = free_port()
    script = tmp_path / "http_server.py"
    script.write_text(
        SERVER.replace(
            "server.run()", f'server.run("streamable-http", host="127.0.0.1", port={port})'
        ),
        encoding="utf-8",
    )
    process = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)


def wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):  # the server is up when it accepts a connection
        assert process.poll() is None, "the MCP server exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("the MCP server did not listen")


async def test_a_streamable_http_server_lists_and_runs_tools(
    engine: Engine, stub: OpenAIStub, http_server: str
) -> None:
    config = McpToolsConfig(transport="http", url=http_server, timeout_s=30, include=["add"])
    tools = await list_server_tools(config)
    assert [t["name"] for t in tools] == ["add", "explode"]
    stub.script = [Reply(tool_calls=[tool_call("c1", "add", {"a": 1, "b": 2})]), Reply("3")]
    engine.import_workflow(agent_flow(stub, {**config.model_dump(), "tools": tools}))
    run = await engine.run("wf", {})
    assert run.status == "succeeded", run.error
    first, second = stub.chat_requests()
    assert [t["function"]["name"] for t in first["tools"]] == ["add"]  # `include`
    assert json.loads(second["messages"][-1]["content"]) in (3, {"result": 3})
