"""End: the run's output. Without a `result` it passes its input on as the output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.ports import Port
from app.core.templates import render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext


class EndConfig(NodeConfig):
    result: Any = None  # templates allowed, e.g. {"total": "{{ input.count }}"}


class EndNode(NodeType[EndConfig]):
    type_name = "end"
    title = "End"
    category = "Flow"
    description = "Finishes this path; its value becomes the run's output."
    icon = "stop"
    config_model = EndConfig

    def output_ports(self, config: EndConfig) -> Sequence[Port]:
        return ()

    async def execute(self, ctx: StepContext, config: EndConfig, input: Any) -> NodeResult:
        if config.result is None:
            return NodeResult(input, ports=())
        return NodeResult(render_config(config.result, ctx.scope(input)), ports=())
