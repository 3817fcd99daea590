"""Branching nodes: `if` (true/false) and `switch` (one port per case). Both pass their input on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field, field_validator

from app.core.catalog import FunctionLookup
from app.core.conditions import condition_problem, evaluate_condition
from app.core.dsl import Condition
from app.core.expressions import evaluate
from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import expression_field
from app.nodes.context import StepContext


class IfConfig(NodeConfig):
    condition: Condition = Field(
        description="An expression such as `data.amount > 1000`, or a JSON Logic rule"
    )


class IfNode(NodeType[IfConfig]):
    type_name = "if"
    title = "If"
    description = "Sends the input down `true` or `false` depending on a condition."
    icon = "call_split"
    config_model = IfConfig

    def output_ports(self, config: IfConfig) -> Sequence[Port]:
        return (Port("true", "any", "true"), Port("false", "any", "false"))

    def branch_ports(self, config: IfConfig) -> Sequence[str]:
        return ("true", "false")

    def config_problems(self, config: IfConfig, functions: FunctionLookup) -> list[tuple[str, str]]:
        message = condition_problem(config.condition)
        return [("condition", message)] if message else []

    async def execute(self, ctx: StepContext, config: IfConfig, input: Any) -> NodeResult:
        outcome = evaluate_condition(config.condition, ctx.scope(input))
        return NodeResult(input, ports=("true",) if outcome else ("false",))


class SwitchCase(BaseModel):
    value: Any
    port: str = ""

    @property
    def port_name(self) -> str:
        return self.port or str(self.value)


class SwitchConfig(NodeConfig):
    value: str = Field(description="Expression whose value picks the case, e.g. `input.kind`")
    cases: list[SwitchCase] = Field(min_length=1)

    @field_validator("cases", mode="before")
    @classmethod
    def _plain_values(cls, cases: Any) -> Any:
        """Accept plain values (seed format) as well as {value, port} objects."""
        if isinstance(cases, list):
            return [c if isinstance(c, dict) else {"value": c} for c in cases]
        return cases


class SwitchNode(NodeType[SwitchConfig]):
    type_name = "switch"
    title = "Switch"
    description = (
        "Sends the input down the port of the first case equal to a value, else `default`."
    )
    icon = "alt_route"
    config_model = SwitchConfig

    def output_ports(self, config: SwitchConfig) -> Sequence[Port]:
        ports = [Port(c.port_name, "any") for c in config.cases]
        return (*ports, Port("default", "any"))

    def branch_ports(self, config: SwitchConfig) -> Sequence[str]:
        return tuple(c.port_name for c in config.cases)

    def config_problems(
        self, config: SwitchConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = expression_field("value", config.value)
        names = [c.port_name for c in config.cases]
        for i, name in enumerate(names):
            if name in names[:i] or name == "default":
                problems.append((f"cases[{i}]", f"two outcomes are named '{name}'"))
        return problems

    async def execute(self, ctx: StepContext, config: SwitchConfig, input: Any) -> NodeResult:
        value = evaluate(config.value, ctx.scope(input))
        for case in config.cases:
            if case.value == value or str(case.value) == str(value):
                return NodeResult(input, ports=(case.port_name,))
        return NodeResult(input, ports=("default",))
