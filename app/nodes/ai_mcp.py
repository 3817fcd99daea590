"""The `mcp_tools` sub-node: an MCP server's tools offered to an AI agent.

The server is a local program spoken to over stdio (`command` + `args`) or a Streamable HTTP
URL. "Load tools" in the editor lists them (`list_server_tools`, off the UI's loop) into the
node's `tools`, so the agent knows their names and schemas without asking the server first. An
agent step opens one session per server at its first call, makes every call of its tool loop in
it and closes it when the step ends (`McpSession`); the agent journals each result, so a re-run
does not call again. Uses the `mcp` Python SDK.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from contextlib import AsyncExitStack, suppress
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.dsl import NodeSpec
from app.core.ports import Port
from app.nodes.ai_agent_tools import Tool
from app.nodes.ai_ports import AI_TOOL, ai_port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.nodes.http import url_problem

if TYPE_CHECKING:  # the SDK loads when a server is first asked, not for `ren validate`
    from mcp import Client, StdioServerParameters

MAX_TOOL_TEXT = 100_000  # characters of a tool's answer handed to the model


class McpError(RuntimeError):
    """The MCP server could not be reached, or a tool call failed."""


class McpToolsConfig(NodeConfig):
    transport: Literal["stdio", "http"] = Field(
        "stdio", description="stdio: run a local program; http: a Streamable HTTP URL"
    )
    command: str = Field("", description="stdio: the program to run, e.g. uvx or python")
    args: list[str] = Field(default_factory=list, description="stdio: its arguments")
    cwd: str | None = Field(None, description="stdio: the folder to run it in")
    url: str = Field("", description="http: the server's URL, e.g. http://127.0.0.1:8000/mcp")
    timeout_s: float = Field(60.0, gt=0, description="Seconds one tool call may take")
    include: list[str] = Field(
        default_factory=list, description="Offer only these tools (empty: all of them)"
    )
    require_approval: bool = Field(False, description="A person approves each call first")
    tools: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The server's tools (name, description, input_schema), filled by Load tools",
    )


def server_of(config: McpToolsConfig) -> StdioServerParameters | str:
    from mcp import StdioServerParameters

    if config.transport == "http":
        return config.url
    return StdioServerParameters(command=config.command, args=config.args, cwd=config.cwd)


def _client(config: McpToolsConfig) -> Client:
    from mcp import Client

    return Client(server_of(config))


def _where(config: McpToolsConfig) -> str:
    if config.transport == "http":
        return config.url
    return " ".join([config.command, *config.args])


async def list_server_tools(config: McpToolsConfig) -> list[dict[str, Any]]:
    """The server's tools as {name, description, input_schema} (asks the server now)."""
    try:
        async with asyncio.timeout(config.timeout_s):
            async with _client(config) as client:
                listed = await client.list_tools()
    except TimeoutError:
        raise McpError(
            f"MCP server {_where(config)}: no tool list within {config.timeout_s:g} s"
        ) from None
    except Exception as err:  # the SDK raises many kinds; say which server and why
        raise McpError(f"MCP server {_where(config)}: {_reason(err)}") from None
    return [
        {"name": t.name, "description": t.description or "", "input_schema": t.input_schema}
        for t in listed.tools
    ]


class McpSession:
    """One client session with a server for one agent step: opened by the first call, used by
    every later call of the step, closed by `close()` when the step ends (for a stdio server:
    one process per step). The agent enters and leaves it in the same task, as the SDK's
    task groups require."""

    def __init__(self, config: McpToolsConfig) -> None:
        self.config = config
        self.opened = 0  # sessions opened (one, unless a broken one had to be replaced)
        self._stack: AsyncExitStack | None = None
        self._client: Client | None = None

    async def _session(self) -> Client:
        if self._client is None:
            stack = AsyncExitStack()
            try:
                async with asyncio.timeout(self.config.timeout_s):
                    self._client = await stack.enter_async_context(_client(self.config))
            except BaseException:
                await _quietly(stack)
                raise
            self._stack = stack
            self.opened += 1
        return self._client

    async def call(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call one tool; its structured content, else its text. A tool error raises McpError;
        a session that failed is closed, so the next call opens a fresh one."""
        config = self.config
        try:
            client = await self._session()
            async with asyncio.timeout(config.timeout_s):
                result = await client.call_tool(name, arguments)
        except TimeoutError:
            await self.close()
            raise McpError(f"MCP tool '{name}': no answer within {config.timeout_s:g} s") from None
        except Exception as err:
            await self.close()
            raise McpError(f"MCP tool '{name}' at {_where(config)}: {_reason(err)}") from None
        texts = [getattr(block, "text", "") for block in getattr(result, "content", None) or []]
        text = "\n".join(t for t in texts if t)[:MAX_TOOL_TEXT]
        if getattr(result, "is_error", False):
            raise McpError(f"MCP tool '{name}' failed: {text or 'no message'}")
        structured = getattr(result, "structured_content", None)
        return structured if structured is not None else text

    async def close(self) -> None:
        """End the session (stops a stdio server); nothing when none is open."""
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await _quietly(stack)


async def _quietly(stack: AsyncExitStack) -> None:
    """Close, ignoring what a dying server raises on the way out (its results are kept)."""
    with suppress(Exception):  # closing is best effort: the calls already reported
        await stack.aclose()


def _reason(err: BaseException) -> str:
    """The innermost message of an error (task groups wrap the real one)."""
    inner = getattr(err, "exceptions", None)
    if inner:
        return _reason(inner[0])
    return str(err) or type(err).__name__


def mcp_tools(spec: NodeSpec) -> list[Tool]:
    """The agent's tools for mcp_tools sub-node `spec` (app.nodes.ai_agent_tools)."""
    config = McpToolsConfig.model_validate(spec.config)
    if not config.tools:
        raise McpError(f"MCP tools '{spec.id}' lists no tools yet: press Load tools in the editor")
    session = McpSession(config)  # shared by this server's tools, for the agent's step
    tools: list[Tool] = []
    for listed in config.tools:
        name = str(listed.get("name", ""))
        if config.include and name not in config.include:
            continue

        async def run(
            ctx: StepContext, args: dict[str, Any], state: Any, key: str, tool: str = name
        ) -> Any:
            return await session.call(tool, args)

        schema = listed.get("input_schema") or {"type": "object", "properties": {}}
        tools.append(
            Tool(
                re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64],
                str(listed.get("description") or name),
                schema,
                config.require_approval,
                run,
                session=session,
            )
        )
    return tools


class McpToolsNode(NodeType[McpToolsConfig]):
    type_name = "mcp_tools"
    title = "MCP tools"
    category = "AI"
    icon = "extension"
    description = (
        "The tools of an MCP server (a local program over stdio, or a Streamable HTTP URL) for "
        "an AI agent. Press Load tools to list them; wire the node into an agent's Tools port."
    )
    config_model = McpToolsConfig

    def input_ports(self, config: McpToolsConfig) -> Sequence[Port]:
        return ()

    def output_ports(self, config: McpToolsConfig) -> Sequence[Port]:
        return (ai_port(AI_TOOL),)

    def config_problems(
        self, config: McpToolsConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if config.transport == "stdio" and not config.command.strip():
            problems.append(("command", "give the program that runs the MCP server"))
        if config.transport == "http":
            bad = url_problem(config.url) if config.url.strip() else "give the server's URL"
            if bad:
                problems.append(("url", bad))
        if not config.tools:
            problems.append(("tools", "no tools listed yet: press Load tools"))
        names = {str(t.get("name")) for t in config.tools}
        missing = [n for n in config.include if n not in names]
        if config.tools and missing:
            problems.append(("include", f"the server has no tool {', '.join(missing)}"))
        return problems

    async def execute(self, ctx: StepContext, config: McpToolsConfig, input: Any) -> NodeResult:
        return NodeResult(json.loads(config.model_dump_json()), ports=(AI_TOOL,))
