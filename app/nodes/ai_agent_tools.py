"""Tool sub-nodes for the AI agent (wired in on the ai_tool port) and how the agent calls them.

- `function_tool`: a registered function; its signature is the tool's JSON schema (the agent's
  input is the function's first argument, the model's arguments its keyword arguments).
- `http_tool`: an HTTP request (the http_request node's config); the model's arguments are
  `input` in its templates, e.g. url "https://api.example/weather?city={{ input.city }}".

Each may set `require_approval`: the agent then asks a person before the call runs.

A tool's `run` gets the call's idempotency key (`tool_call_key`): the same for the same call
when the step runs again after a crash, so a server that honours `Idempotency-Key` (the header
an http_tool sends) does a cut-off call's side effect once; a function tool finds it as its
`ctx.idempotency_key`. Tools run at least once per call.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, Protocol

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.dsl import NodeSpec
from app.core.ports import Port
from app.nodes.ai_ports import AI_TOOL, ai_port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.nodes.functions import REGISTRY, FunctionInfo, FunctionRegistry
from app.nodes.http import HttpRequestConfig, HttpRequestNode

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class ToolConfig(NodeConfig):
    name: str = Field("", description="The tool's name for the model (empty: derived)")
    description: str = Field("", description="What the tool does, for the model")
    require_approval: bool = Field(False, description="A person approves each call first")


class FunctionToolConfig(ToolConfig):
    function: str = Field(min_length=1, description="A registered function")


class HttpToolConfig(ToolConfig, HttpRequestConfig):
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema of the arguments the model gives ({{ input.<name> }} in the "
        "request)",
    )


class WorkflowToolConfig(ToolConfig):
    workflow: str = Field(min_length=1, description="The id of a published workflow")
    version: int | None = Field(None, ge=1, description="A version number (default: latest)")
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema of the arguments the model gives (the child run's input)",
    )


class ToolSession(Protocol):
    """What some tools hold open across the calls of one agent step (an MCP session)."""

    async def close(self) -> None: ...


async def close_sessions(tools: Iterable[Tool]) -> None:
    """Close what the tools of one step held open (each shared session once)."""
    seen: set[int] = set()
    for tool in tools:
        if tool.session is not None and id(tool.session) not in seen:
            seen.add(id(tool.session))
            await tool.session.close()


# run(ctx, the model's arguments, the agent's input, the call's idempotency key)
ToolRun = Callable[[StepContext, dict[str, Any], Any, str], Awaitable[Any]]
IDEMPOTENCY_HEADER = "Idempotency-Key"


def tool_call_key(run_id: str, node_key: str, seq: int, call_id: str) -> str:
    """The idempotency key of one tool call: the run, the agent's step, the call's place in the
    step's journal and the model's call id (all replayed alike after a crash). A key that a
    header could not carry is hashed."""
    key = f"{run_id}:{node_key}:{seq}:{call_id}"
    if len(key) <= 200 and key.isascii() and key.isprintable():
        return key
    return "ren-" + hashlib.sha256(key.encode()).hexdigest()[:40]


@dataclass
class ToolCallContext(StepContext):
    """The agent's step as a function tool sees it: `idempotency_key` is the call's own (the
    step's calls would otherwise share the step's key)."""

    call_key: str = ""

    @property
    def idempotency_key(self) -> str:
        return self.call_key


def call_context(ctx: StepContext, key: str) -> ToolCallContext:
    shared = {f.name: getattr(ctx, f.name) for f in fields(StepContext)}  # secrets set included
    return ToolCallContext(**shared, call_key=key)


async def _no_run(ctx: StepContext, args: dict[str, Any], state: Any, key: str) -> Any:
    raise RuntimeError("a workflow tool runs as a child run, not in the agent's step")


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    require_approval: bool
    run: ToolRun
    workflow: dict[str, Any] | None = None  # a sub-workflow tool: workflow_id and version
    session: ToolSession | None = None  # a connection its calls share, closed with the step

    def openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


def function_schema(info: FunctionInfo) -> dict[str, Any]:
    """The JSON schema of a function's keyword arguments (its first argument is the state)."""
    properties = {p.name: ({} if p.type == "any" else {"type": p.type}) for p in info.params}
    required = [p.name for p in info.params if p.required]
    schema: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
    if not info.accepts_any_args:
        schema["additionalProperties"] = False
    return schema


def _tool_name(config: ToolConfig, fallback: str) -> str:
    return config.name or re.sub(r"[^A-Za-z0-9_-]", "_", fallback)[:64]


def function_tool(config: FunctionToolConfig, functions: FunctionRegistry) -> Tool:
    info = functions.get(config.function)
    if info is None:
        raise LookupError(f"function '{config.function}' is not registered")

    async def run(ctx: StepContext, args: dict[str, Any], state: Any, key: str) -> Any:
        kwargs = dict(args)
        if info.wants_ctx:
            kwargs["ctx"] = call_context(ctx, key)
        state = copy.deepcopy(state)
        if info.is_async:
            return await info.fn(state, **kwargs)
        return await asyncio.to_thread(info.fn, state, **kwargs)

    return Tool(
        _tool_name(config, config.function),
        config.description or info.description or info.title,
        function_schema(info),
        config.require_approval,
        run,
    )


def http_tool(config: HttpToolConfig, node_name: str) -> Tool:
    request = HttpRequestConfig.model_validate(
        config.model_dump(include=set(HttpRequestConfig.model_fields))
    )
    node = HttpRequestNode()

    async def run(ctx: StepContext, args: dict[str, Any], state: Any, key: str) -> Any:
        headers = dict(request.headers)
        if not any(name.lower() == IDEMPOTENCY_HEADER.lower() for name in headers):
            headers[IDEMPOTENCY_HEADER] = key  # a header set in the config wins
        result = await node.execute(ctx, request.model_copy(update={"headers": headers}), args)
        return result.output

    return Tool(
        _tool_name(config, node_name),
        config.description or f"{request.method} {request.url}",
        config.parameters,
        config.require_approval,
        run,
    )


def workflow_tool(config: WorkflowToolConfig) -> Tool:
    return Tool(
        _tool_name(config, config.workflow),
        config.description or f"Runs the workflow '{config.workflow}' with the arguments as input",
        config.parameters,
        config.require_approval,
        _no_run,
        {"workflow_id": config.workflow, "version": config.version},
    )


def build_tools(specs: Sequence[NodeSpec], functions: FunctionRegistry) -> dict[str, Tool]:
    """The agent's tools from its attached sub-nodes, by name; refuses clashes and unknowns."""
    tools: dict[str, Tool] = {}
    for spec in specs:
        if spec.type == "function_tool":
            tool = function_tool(FunctionToolConfig.model_validate(spec.config), functions)
        elif spec.type == "workflow_tool":
            tool = workflow_tool(WorkflowToolConfig.model_validate(spec.config))
        elif spec.type == "http_tool":
            tool = http_tool(HttpToolConfig.model_validate(spec.config), spec.name or spec.id)
        else:
            for more in _sub_node_tools(spec):
                _add(tools, more, spec)
            continue
        _add(tools, tool, spec)
    return tools


def _add(tools: dict[str, Tool], tool: Tool, spec: NodeSpec) -> None:
    if not _NAME.match(tool.name):
        raise ValueError(f"tool name '{tool.name}' of node '{spec.id}': use a-z, 0-9, _ or -")
    if tool.name in tools:
        raise ValueError(f"two tools are named '{tool.name}'; give node '{spec.id}' a name")
    tools[tool.name] = tool


def _sub_node_tools(spec: NodeSpec) -> list[Tool]:
    """Tools of the retriever and MCP sub-nodes (imported here: they build on this module)."""
    if spec.type == "retriever":
        from app.nodes.ai_retrieval import retriever_tool

        return [retriever_tool(spec)]
    if spec.type == "mcp_tools":
        from app.nodes.ai_mcp import mcp_tools

        return mcp_tools(spec)
    raise ValueError(f"node '{spec.id}' ({spec.type}) cannot be used as an agent's tool")


class _ToolNode(NodeType[Any]):
    """A tool sub-node: it does nothing on its own, the agent it is wired into calls it."""

    category = "AI"
    icon = "build"

    def input_ports(self, config: Any) -> Sequence[Port]:
        return ()

    def output_ports(self, config: Any) -> Sequence[Port]:
        return (ai_port(AI_TOOL),)

    async def execute(self, ctx: StepContext, config: Any, input: Any) -> NodeResult:
        return NodeResult(config.model_dump(), ports=(AI_TOOL,))


class FunctionToolNode(_ToolNode):
    type_name = "function_tool"
    title = "Function tool"
    description = (
        "Lets an AI agent call a registered function; its arguments and their types tell the "
        "model how. Optionally a person approves each call."
    )
    config_model = FunctionToolConfig

    def __init__(self, functions: FunctionRegistry = REGISTRY) -> None:
        self.functions = functions

    def config_problems(self, config: Any, functions: FunctionLookup) -> list[tuple[str, str]]:
        if config.function not in functions:
            return [("function", f"function '{config.function}' is not registered")]
        return []


class HttpToolNode(_ToolNode):
    type_name = "http_tool"
    title = "HTTP tool"
    icon = "public"
    description = (
        "Lets an AI agent make an HTTP request; the model's arguments fill {{ input.<name> }} "
        "in the URL, query, headers and body. Each call sends an Idempotency-Key header, the "
        "same when a call cut off by a crash is sent again."
    )
    config_model = HttpToolConfig


class WorkflowToolNode(_ToolNode):
    type_name = "workflow_tool"
    title = "Workflow tool"
    icon = "account_tree"
    description = (
        "Lets an AI agent run another published workflow as a tool: the model's arguments are "
        "its input, its output the tool's result. The agent sleeps while the child run works."
    )
    config_model = WorkflowToolConfig
