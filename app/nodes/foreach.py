"""Foreach: runs the nodes inside it once per item of a list, a few items at a time.

The loop body is the nodes whose `parent` is this node. Each item runs as its own scope: the
body's first nodes receive `{"item": …, "index": …}` and expressions inside see `item` and
`index`. The engine (app.engine.loops) drives the items; this module only describes the node.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import expression_field
from app.nodes.context import StepContext


class ForeachConfig(NodeConfig):
    items: str = Field(description="Expression giving the list, e.g. `input.products`")
    concurrency: int = Field(4, ge=1, le=256, description="Items processed at the same time")


class ForeachNode(NodeType[ForeachConfig]):
    type_name = "foreach"
    title = "For each"
    category = "Flow"
    description = "Runs the nodes inside it once per item; outputs `{results, count}`."
    icon = "repeat"
    is_loop = True
    config_model = ForeachConfig

    def output_ports(self, config: ForeachConfig) -> Sequence[Port]:
        return (Port("out", "object", "{results, count}"),)

    def config_problems(
        self, config: ForeachConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return expression_field("items", config.items)

    async def execute(self, ctx: StepContext, config: ForeachConfig, input: Any) -> NodeResult:
        raise RuntimeError("foreach is driven by the engine's loop runner, not executed directly")
