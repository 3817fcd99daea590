"""Waiting nodes: `wait` (a duration, a time, or a time from an expression) and `signal`.

Both sleep durably: the run holds nothing in memory while it waits, and a timer that fell due
while Ren was not running fires at the next start.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from app.core.catalog import FunctionLookup
from app.core.expressions import evaluate
from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType, WaitFor
from app.nodes.checks import expression_field
from app.nodes.context import StepContext


class WaitConfig(NodeConfig):
    mode: Literal["duration", "until", "expression"] = "duration"
    seconds: float | None = Field(None, ge=0, description="duration: how long to wait")
    until: str | None = Field(None, description="until: an ISO date-time, e.g. 2026-12-01T09:00Z")
    expression: str | None = Field(
        None, description="expression: gives an ISO date-time or Unix seconds"
    )

    @model_validator(mode="after")
    def _needs_its_field(self) -> WaitConfig:
        needed = {"duration": "seconds", "until": "until", "expression": "expression"}[self.mode]
        if getattr(self, needed) is None:
            raise ValueError(f"mode '{self.mode}' needs '{needed}'")
        if self.until is not None:
            parse_time(self.until)
        return self


def parse_time(value: Any) -> float:
    """Unix seconds from an ISO date-time (naive means UTC) or a number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"'{value}' is not an ISO date-time") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    raise ValueError(f"cannot read a time from {type(value).__name__}")


class WaitNode(NodeType[WaitConfig]):
    type_name = "wait"
    title = "Wait"
    category = "Flow"
    description = "Sleeps for a duration or until a time, then passes its input on."
    icon = "schedule"
    config_model = WaitConfig

    def config_problems(
        self, config: WaitConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return expression_field("expression", config.expression) if config.expression else []

    async def execute(
        self, ctx: StepContext, config: WaitConfig, input: Any
    ) -> NodeResult | WaitFor:
        if config.mode == "duration":
            due = time.time() + (config.seconds or 0)
        elif config.mode == "until":
            due = parse_time(config.until)
        else:
            due = parse_time(evaluate(config.expression or "", ctx.scope(input)))
        if due <= time.time():
            return NodeResult(input)
        return WaitFor("timer", due_at=due)

    def on_wake(self, config: WaitConfig, input: Any, result: dict[str, Any]) -> NodeResult:
        return NodeResult(input)


class SignalConfig(NodeConfig):
    name: str = Field(min_length=1, description="The signal to wait for, e.g. 'payment_received'")
    timeout_s: float | None = Field(None, gt=0, description="Give up after this many seconds")


class SignalNode(NodeType[SignalConfig]):
    type_name = "signal"
    title = "Wait for signal"
    category = "Flow"
    description = "Sleeps until a named signal arrives (`ren signal RUN NAME`); outputs its data."
    icon = "notifications_active"
    config_model = SignalConfig

    def output_ports(self, config: SignalConfig) -> Sequence[Port]:
        ports = [Port("out", "object", "signal")]
        if config.timeout_s:
            ports.append(Port("timeout", "object", "timeout"))
        return ports

    async def execute(self, ctx: StepContext, config: SignalConfig, input: Any) -> WaitFor:
        due = time.time() + config.timeout_s if config.timeout_s else None
        return WaitFor("signal", due_at=due, key=config.name, timeout_port="timeout")

    def on_wake(self, config: SignalConfig, input: Any, result: dict[str, Any]) -> NodeResult:
        if result.get("timed_out"):
            return NodeResult({"timed_out": True, "input": input}, ports=("timeout",))
        return NodeResult({"signal": config.name, "data": result.get("data")})
