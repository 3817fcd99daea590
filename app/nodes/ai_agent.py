"""The `ai_agent` node: a tool-calling loop between a chat model and tools, durable at every call.

Its model (ai_language_model) and tools (ai_tool) are sub-nodes wired into it. Each model reply,
tool result and approval is written to the AI journal before the loop goes on, so when the step
runs again (after kill -9 and a restart, or after waiting for a person) it replays them and only
new calls reach the model or a tool. A tool with `require_approval` makes the step wait on a
human task (holding nothing); the answer wakes it and it runs again as its next attempt
(`reenters_on_wake`), finding the answer in the wait.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.core.templates import render_template
from app.engine.ai_journal import folder_store, wake_result
from app.nodes.ai_agent_approval import Decision, approval_task, decision_of
from app.nodes.ai_agent_tools import Tool, build_tools, close_sessions, tool_call_key
from app.nodes.ai_memory import ChatMemory, memory_of
from app.nodes.ai_model import ChatModelConfig, settings_for
from app.nodes.ai_model_client import ModelSettings, add_usage, chat_body
from app.nodes.ai_model_journal import DurableCalls, attached_to_step
from app.nodes.ai_ports import AI_LANGUAGE_MODEL, AI_MEMORY, AI_OUTPUT_PARSER, AI_TOOL, ai_port
from app.nodes.base import IN, OUT, NodeConfig, NodeResult, NodeType, WaitFor
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.functions import REGISTRY, FunctionRegistry


class AgentConfig(NodeConfig):
    prompt: str = Field(min_length=1, description="The task for the agent; may use {{ ... }}")
    system: str = Field(
        "You are a helpful assistant. Use the tools when they help.",
        description="System prompt (instructions); may use {{ ... }}",
    )
    max_steps: int = Field(10, ge=1, le=100, description="Most model calls before giving up")


class AgentStepLimit(RuntimeError):
    """The model kept calling tools past `max_steps`."""


class AiAgentNode(NodeType[AgentConfig]):
    type_name = "ai_agent"
    title = "AI agent"
    category = "AI"
    icon = "smart_toy"
    description = (
        "A language model that works on a task with tools until it has an answer. Wire in a "
        "Chat model and any tools; a tool may need a person's approval per call. Every reply "
        "and tool result is kept, so a restart never asks the model again."
    )
    config_model = AgentConfig
    reenters_on_wake: ClassVar[bool] = True  # app.engine.waits: runs again after its wait

    def __init__(self, functions: FunctionRegistry = REGISTRY) -> None:
        self.functions = functions

    def input_ports(self, config: AgentConfig) -> Sequence[Port]:
        kinds = (AI_LANGUAGE_MODEL, AI_TOOL, AI_MEMORY, AI_OUTPUT_PARSER)
        return (IN, *(ai_port(k) for k in kinds))

    def output_ports(self, config: AgentConfig) -> Sequence[Port]:
        return (OUT,)

    def config_problems(
        self, config: AgentConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return template_fields("prompt", config.prompt) + template_fields("system", config.system)

    def output_schema(self, config: AgentConfig) -> dict[str, Any] | None:
        return {
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "usage": {"type": "object"},
                "steps": {"type": "integer"},
                "tool_calls": {"type": "array"},
            },
        }

    async def execute(
        self, ctx: StepContext, config: AgentConfig, input: Any
    ) -> NodeResult | WaitFor:
        settings, tools = await self._wiring(ctx)
        scope = ctx.scope(input)
        messages: list[dict[str, Any]] = []
        if config.system:
            messages.append(
                {"role": "system", "content": _text(render_template(config.system, scope))}
            )
        memory = memory_of(ctx, await attached_to_step(ctx, AI_MEMORY), input)
        if memory is not None:  # the session's recent turns, before the new message
            messages.extend(memory.messages())
        messages.append({"role": "user", "content": _text(render_template(config.prompt, scope))})
        calls = await DurableCalls.open(ctx)
        if memory is not None:  # the window read first is kept: a re-run sees the same talk
            messages = await calls.first_messages(messages)
        loop = AgentLoop(ctx, calls, settings, tools, input)
        loop.memory = memory
        try:
            return await loop.run(messages, config.max_steps)
        finally:  # e.g. MCP sessions: one per server for the step's whole loop
            await close_sessions(tools.values())

    async def _wiring(self, ctx: StepContext) -> tuple[ModelSettings, dict[str, Tool]]:
        models = await attached_to_step(ctx, AI_LANGUAGE_MODEL)
        if len(models) != 1:
            raise ValueError(
                f"an AI agent needs exactly one Chat model wired in (found {len(models)})"
            )
        settings = await settings_for(ctx, ChatModelConfig.model_validate(models[0].config))
        tools = build_tools(await attached_to_step(ctx, AI_TOOL), self.functions)
        return settings, tools


class AgentLoop:
    """One run of the loop: model, tools, model, ... with every answer journalled."""

    def __init__(
        self,
        ctx: StepContext,
        calls: DurableCalls,
        settings: ModelSettings,
        tools: dict[str, Tool],
        state: Any,
    ) -> None:
        self.ctx = ctx
        self.calls = calls
        self.settings = settings
        self.tools = tools
        self.state = state
        self.usage: dict[str, int] = {}
        self.log: list[dict[str, Any]] = []  # the tool calls, for the step's output
        self.woken_used = False  # the wait this attempt woke from answered a call already
        self.memory: ChatMemory | None = None  # the turn is written with the step

    async def run(self, messages: list[dict[str, Any]], max_steps: int) -> NodeResult | WaitFor:
        schemas = [t.openai() for t in self.tools.values()]
        for step in range(1, max_steps + 1):
            self.ctx.checkpoint()
            body = chat_body(self.settings, messages, schemas)
            reply = await self.calls.chat(self.settings, body)
            self.usage = add_usage(self.usage, reply.usage)
            messages.append(_assistant(reply.message))
            if not reply.tool_calls:
                output = {
                    "text": reply.text,
                    "usage": self.usage,
                    "steps": step,
                    "tool_calls": self.log,
                }
                if self.memory is None:
                    return NodeResult(output)
                said = str([m for m in messages if m["role"] == "user"][-1]["content"])
                return NodeResult(output, writes=(self.memory.remember(said, reply.text),))
            for call in reply.tool_calls:
                answer = await self._call(call)
                if isinstance(answer, WaitFor):
                    return answer
                messages.append(
                    {"role": "tool", "tool_call_id": call.get("id", ""), "content": answer}
                )
        raise AgentStepLimit(f"the agent did not finish within max_steps={max_steps} model calls")

    async def _call(self, call: dict[str, Any]) -> str | WaitFor:
        """The tool's result as the text the model reads, or the wait for a person."""
        function = call.get("function") or {}
        name = str(function.get("name") or "")
        tool = self.tools.get(name)
        if tool is None:
            return _error(f"there is no tool named '{name}' (tools: {', '.join(self.tools)})")
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except ValueError as err:
            return _error(f"the arguments are not JSON: {err}")
        if not isinstance(arguments, dict):
            return _error("the arguments must be a JSON object")
        request: dict[str, Any] = {"id": call.get("id"), "name": name, "arguments": arguments}
        if tool.require_approval:
            decision = await self._decision(request)
            if decision is None:
                return approval_task(name, arguments, self.ctx.node_id)
            if not decision.approved:
                self.log.append({**request, "approved": False, "reason": decision.reason})
                return _error(f"a person rejected this call: {decision.reason}")
            request = {**request, "arguments": decision.arguments}

        if tool.workflow is not None:
            found = await self._child_result(tool.workflow, request)
            if isinstance(found, WaitFor):
                return found
            outcome = found
        else:
            ctx = self.ctx
            key = tool_call_key(ctx.run_id, ctx.node_key, self.calls.next_seq, str(call.get("id")))

            async def run() -> Any:
                try:
                    return {"result": await tool.run(ctx, request["arguments"], self.state, key)}
                except Exception as err:  # the model is told, and may try otherwise
                    return {"error": f"{type(err).__name__}: {err}"}

            outcome = await self.calls.tool(request, run)
        self.log.append({**request, **outcome})
        return json.dumps(outcome.get("result", outcome), ensure_ascii=False, default=str)

    async def _decision(self, request: dict[str, Any]) -> Decision | None:
        """A person's recorded answer to this call, or None while there is none."""
        recorded = self.calls.replayed("approval", request)
        if recorded is not None:
            return Decision.from_json(recorded)
        result = await self._woken_by("task")
        if result is None:
            return None
        decision = decision_of(result, request["arguments"])
        await self.calls.record("approval", request, decision.to_json())
        return decision

    async def _child_result(
        self, workflow: dict[str, Any], request: dict[str, Any]
    ) -> dict[str, Any] | WaitFor:
        """A sub-workflow tool's recorded result, or the wait for its child run."""
        recorded = self.calls.replayed("tool", request)
        if recorded is not None:
            return dict(recorded)
        woke = await self._woken_by("child")
        if woke is None:
            return WaitFor("child", child={**workflow, "input": request["arguments"]})
        outcome = {"result": woke.get("output")}
        await self.calls.record("tool", request, outcome)
        return outcome

    async def _woken_by(self, kind: str) -> dict[str, Any] | None:
        """How the wait this step woke from was resolved, when it was a `kind` wait and this
        run of the loop has not used it yet (one wait answers one call)."""
        if self.woken_used or self.ctx.attempt <= 1:
            return None
        store = folder_store(self.ctx.data_dir.parent.parent)
        found = await asyncio.to_thread(
            wake_result, store, self.ctx.run_id, self.ctx.node_key, self.ctx.attempt - 1
        )
        if found is None or found[0] != kind:
            return None
        self.woken_used = True
        return found[1]


def _assistant(message: dict[str, Any]) -> dict[str, Any]:
    kept = {"role": "assistant", "content": message.get("content")}
    if message.get("tool_calls"):
        kept["tool_calls"] = message["tool_calls"]
    return kept


def _error(message: str) -> str:
    return json.dumps({"error": message})


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
