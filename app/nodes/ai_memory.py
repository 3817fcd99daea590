"""The `memory_window` sub-node: an AI agent's conversation memory, the last N turns per session.

Turns live in the data folder's key-value table (app.store.kv) under the scope
`memory:<workflow id>` (or `memory:shared`), one key per session, as a list of
{"user", "assistant"} items. The agent reads the window when it starts and hands the new turn
back as a write of its NodeResult, committed with the step: a step that runs again after a
crash neither loses nor repeats a turn.

Run on its own in the main flow, the node records one turn (`user`, `assistant`) and outputs the
window, so a flow with the `llm` node can keep a conversation too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from app.core.dsl import NodeSpec
from app.core.ports import Port
from app.core.templates import render_template
from app.nodes.ai_ports import AI_MEMORY, ai_port
from app.nodes.base import IN, OUT, NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext
from app.store.kv import KvWrites, Write

MAX_SESSION_KEY = 200


class ChatMemoryError(ValueError):
    """The memory cannot be used here (no data folder, an empty session key, ...)."""


class MemoryWindowConfig(NodeConfig):
    session_key: str = Field(
        "{{ input.session }}",
        description="Which conversation this is, e.g. {{ input.session }} (the chat page's)",
    )
    turns: int = Field(10, ge=1, le=1000, description="How many recent turns to keep and replay")
    scope: Literal["workflow", "shared"] = Field(
        "workflow", description="workflow: this workflow's own; shared: every workflow's"
    )
    user: str = Field(
        "{{ input.message }}",
        description="On its own in the flow: the person's message of the turn to record",
    )
    assistant: str = Field(
        "{{ input.text }}",
        description="On its own in the flow: the reply of the turn to record",
    )


@dataclass(frozen=True)
class ChatMemory:
    """One session's window, as read when the step started."""

    writes: KvWrites
    turns: int
    history: tuple[dict[str, str], ...]

    def messages(self) -> list[dict[str, str]]:
        """The window as chat messages, oldest first."""
        out: list[dict[str, str]] = []
        for turn in self.history:
            out.append({"role": "user", "content": turn.get("user", "")})
            out.append({"role": "assistant", "content": turn.get("assistant", "")})
        return out

    def remember(self, user: str, assistant: str) -> Write:
        """The write adding one turn (keeping the last `turns`), for NodeResult.writes."""
        return self.writes.append({"user": user, "assistant": assistant}, self.turns)


def memory_scope(ctx: StepContext, scope: str) -> str:
    if scope == "shared":
        return "memory:shared"
    workflow_id = ctx.run_info.get("workflow_id")
    if not workflow_id:
        raise ChatMemoryError("workflow memory needs a run of a workflow; use scope 'shared'")
    return f"memory:{workflow_id}"


def open_memory(ctx: StepContext, config: MemoryWindowConfig, input: Any) -> ChatMemory:
    """The session's window, read now (the step's reads see committed turns only)."""
    if ctx.kv is None:
        raise ChatMemoryError("memory is not available here (no data folder)")
    key = render_template(config.session_key, ctx.scope(input))
    key = "" if key is None else str(key)
    if not key.strip():
        raise ChatMemoryError(
            f"the session key '{config.session_key}' gave empty text; "
            "give the run a session (the chat page does) or set session_key"
        )
    if len(key) > MAX_SESSION_KEY:
        raise ChatMemoryError(f"the session key is {len(key)} characters, over {MAX_SESSION_KEY}")
    scope = memory_scope(ctx, config.scope)
    found, stored = ctx.kv.kv_get(scope, key)
    items = stored if found and isinstance(stored, list) else []
    history = tuple(t for t in items[-config.turns :] if isinstance(t, dict))
    return ChatMemory(KvWrites(scope, key), config.turns, history)


def memory_of(ctx: StepContext, specs: Sequence[NodeSpec], input: Any) -> ChatMemory | None:
    """The memory of an AI node from its attached ai_memory sub-nodes (none: None)."""
    if not specs:
        return None
    if len(specs) > 1:
        raise ChatMemoryError(f"an AI node takes one memory; {len(specs)} are wired in")
    spec = specs[0]
    if spec.type != MemoryWindowNode.type_name:
        raise ChatMemoryError(f"node '{spec.id}' ({spec.type}) is not a memory")
    return open_memory(ctx, MemoryWindowConfig.model_validate(spec.config), input)


class MemoryWindowNode(NodeType[MemoryWindowConfig]):
    type_name = "memory_window"
    title = "Memory (window)"
    category = "AI"
    icon = "history"
    description = (
        "Conversation memory for an AI agent: the last N turns of each session (e.g. each chat), "
        "kept in the data folder. Wire it into an agent's Memory port. In the main flow it "
        "records one turn and outputs the recent ones."
    )
    config_model = MemoryWindowConfig

    def input_ports(self, config: MemoryWindowConfig) -> Sequence[Port]:
        return (IN,)

    def output_ports(self, config: MemoryWindowConfig) -> Sequence[Port]:
        return (OUT, ai_port(AI_MEMORY))

    def output_schema(self, config: MemoryWindowConfig) -> dict[str, Any] | None:
        return {
            "type": "object",
            "properties": {"session": {"type": "string"}, "turns": {"type": "array"}},
        }

    async def execute(self, ctx: StepContext, config: MemoryWindowConfig, input: Any) -> NodeResult:
        memory = open_memory(ctx, config, input)
        scope = ctx.scope(input)
        user = _text(render_template(config.user, scope))
        assistant = _text(render_template(config.assistant, scope))
        turn = {"user": user, "assistant": assistant}
        window = [*memory.history, turn][-config.turns :]
        return NodeResult(
            {"session": memory.writes.key, "turns": window},
            writes=(memory.remember(user, assistant),),
        )


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)
