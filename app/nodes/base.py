"""The base of every node type: a pydantic config model, typed ports and an async `execute`.

A custom node type subclasses `NodeType`, sets the class attributes and implements `execute`;
`register_node_type` (app.nodes.catalog) makes it available, and third-party packs do that
through the `ren.nodes` entry point.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.nodes.context import StepContext


class NodeConfig(BaseModel):
    """Base of node configs: unknown keys are errors, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


C = TypeVar("C", bound=BaseModel)


@dataclass(frozen=True)
class NodeResult:
    output: Any
    ports: tuple[str, ...] = ("out",)
    # SQL (statement, parameters) committed in the transaction that records the step as
    # succeeded, so a write counts exactly once (the storage node, app.store.kv)
    writes: tuple[tuple[str, tuple[Any, ...]], ...] = ()


@dataclass(frozen=True)
class WaitFor:
    """A node's answer meaning "wake me later": the run sleeps until the wait is resolved.

    kind: `task` (a person fills in a form), `timer` (wake at `due_at`), `signal` (a named
    signal arrives) or `child` (a sub-workflow run ends). For tasks and signals `due_at` is
    when the wait times out (then `timeout_port` fires, or the step fails without one).
    """

    kind: str
    due_at: float | None = None
    key: str | None = None  # the signal's name
    task: dict[str, Any] | None = None  # title, description, form, outcomes, assignee, …
    child: dict[str, Any] | None = None  # workflow_id, version, input
    timeout_port: str | None = None
    remind_every_s: float | None = None


class TrustLookup(Protocol):
    def how_trusted(self, workflow_id: str, code: str) -> str | None:
        """How a person trusted this text for this workflow (editor, review, cli, run), or
        None when no one did (app.engine.code_trust)."""
        ...


class NodeUntrusted(PermissionError):
    """What the node would run was not trusted by a person: it did not run."""


IN = Port("in", "any", "input")
OUT = Port("out", "any", "output")


class NodeType(ABC, Generic[C]):
    type_name: ClassVar[str]
    type_version: ClassVar[int] = 1
    title: ClassVar[str]
    category: ClassVar[str] = "Flow"
    description: ClassVar[str] = ""
    icon: ClassVar[str] = "circle"
    is_trigger: ClassVar[bool] = False
    is_loop: ClassVar[bool] = False
    config_model: type[C]
    # Trust (app.engine.code_trust): a node whose `trust_text` is not None runs only once a
    # person trusted that text for its workflow. `trust_what` names it in the problem
    # ("this workflow was imported with a command; ..."), `trust_language` how to show it.
    trust_what: ClassVar[str] = "code"
    trust_language: ClassVar[str] = "json"
    trust: TrustLookup | None = None  # the engine's trust records, attached when it starts

    def trust_text(self, config: C) -> str | None:
        """What a person must read and trust before this node runs with `config` (e.g. the
        code, or the command line as canonical JSON); None when the node is harmless."""
        return None

    def untrusted_message(self) -> str:
        return (
            f"this workflow was imported with {self.trust_what}; review and trust it before it runs"
        )

    def require_trust(self, ctx: StepContext, config: C) -> str | None:
        """The runner's guard (validation refuses untrusted nodes first): how the text was
        trusted, None when the node needs no trust; raises NodeUntrusted otherwise."""
        text = self.trust_text(config)
        if text is None:
            return None
        workflow_id = str(ctx.run_info.get("workflow_id") or "")
        how = self.trust.how_trusted(workflow_id, text) if self.trust else None
        if how is None:
            raise NodeUntrusted(self.untrusted_message())
        return how

    def parse_config(self, config: dict[str, Any]) -> C:
        return self.config_model.model_validate(config)

    def input_ports(self, config: C) -> Sequence[Port]:
        return () if self.is_trigger else (IN,)  # a trigger starts runs: nothing flows in

    def output_ports(self, config: C) -> Sequence[Port]:
        return (OUT,)

    def branch_ports(self, config: C) -> Sequence[str]:
        return ()

    def config_problems(self, config: C, functions: FunctionLookup) -> list[tuple[str, str]]:
        return []

    def output_schema(self, config: C) -> dict[str, Any] | None:
        """What the node outputs, as a JSON Schema, when its type knows it (the editor shows it
        before the node has run; app.nodes.output_schemas has helpers); None: unknown."""
        return None

    @abstractmethod
    async def execute(self, ctx: StepContext, config: C, input: Any) -> NodeResult | WaitFor: ...

    def on_wake(self, config: C, input: Any, result: dict[str, Any]) -> NodeResult:
        """The step's result once its wait is resolved (`result` says how, see app.engine.waits)."""
        return NodeResult(result.get("output"), ports=(result.get("port") or "out",))

    def describe(self) -> dict[str, Any]:
        """What the editor's palette and config panel need to know about this type."""
        return {
            "type": self.type_name,
            "type_version": self.type_version,
            "title": self.title,
            "category": self.category,
            "description": self.description,
            "icon": self.icon,
            "is_trigger": self.is_trigger,
            "is_loop": self.is_loop,
            "config_schema": self.config_model.model_json_schema(),
        }
