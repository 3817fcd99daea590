"""Data nodes: merge (join branches), set (build values), filter (keep matching items), log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.expressions import ExpressionError, compile_expression, evaluate
from app.core.ports import Port
from app.core.templates import render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import expression_field, template_fields
from app.nodes.context import StepContext
from app.nodes.output_schemas import object_schema, value_schema


class MergeConfig(NodeConfig):
    mode: Literal["object", "by_node", "list"] = Field(
        "object",
        description="object: merge the branches' objects; by_node: {node id: output}; "
        "list: the outputs in a list",
    )


class MergeNode(NodeType[MergeConfig]):
    type_name = "merge"
    title = "Merge"
    description = "Waits for every live branch, then combines what they produced."
    icon = "merge"
    config_model = MergeConfig

    def output_ports(self, config: MergeConfig) -> Sequence[Port]:
        return (Port("out", "list" if config.mode == "list" else "object"),)

    async def execute(self, ctx: StepContext, config: MergeConfig, input: Any) -> NodeResult:
        if config.mode == "by_node":
            return NodeResult(dict(ctx.upstream))
        if config.mode == "list":
            return NodeResult(list(ctx.upstream.values()))
        return NodeResult(input)


class SetConfig(NodeConfig):
    values: dict[str, Any] = Field(
        default_factory=dict, description="Keys to set; values may use {{ expressions }}"
    )
    keep_input: bool = Field(True, description="Start from the input (else from an empty object)")


class SetNode(NodeType[SetConfig]):
    type_name = "set"
    title = "Set / transform"
    category = "Data"
    description = "Builds an object from the input and expressions."
    icon = "edit_note"
    config_model = SetConfig

    def output_ports(self, config: SetConfig) -> Sequence[Port]:
        return (Port("out", "object"),)

    def config_problems(
        self, config: SetConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return template_fields("values", config.values)

    def output_schema(self, config: SetConfig) -> dict[str, Any] | None:
        """The keys it sets (and, keeping its input, whatever else the input has)."""
        own = {str(k): value_schema(v) for k, v in config.values.items()}
        return object_schema(own, closed=not config.keep_input)

    async def execute(self, ctx: StepContext, config: SetConfig, input: Any) -> NodeResult:
        base = dict(input) if config.keep_input and isinstance(input, dict) else {}
        base.update(render_config(config.values, ctx.scope(input)))
        return NodeResult(base)


YIELD_EVERY_S = 0.005  # longest the filter node evaluates before letting the event loop run


class FilterConfig(NodeConfig):
    items: str = Field("input", description="Expression giving the list to filter")
    condition: str = Field(description="Kept when true; sees `item` and `index`")


class FilterNode(NodeType[FilterConfig]):
    type_name = "filter"
    title = "Filter"
    category = "Data"
    description = "Keeps the items of a list for which a condition holds."
    icon = "filter_alt"
    config_model = FilterConfig

    def output_ports(self, config: FilterConfig) -> Sequence[Port]:
        return (Port("out", "object", "{items, count}"),)

    def config_problems(
        self, config: FilterConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return expression_field("items", config.items) + expression_field(
            "condition", config.condition
        )

    async def execute(self, ctx: StepContext, config: FilterConfig, input: Any) -> NodeResult:
        scope = ctx.scope(input)
        items = evaluate(config.items, scope)
        if not isinstance(items, list):
            raise ExpressionError(f"'{config.items}' gave {type(items).__name__}, not a list")
        condition = compile_expression(config.condition)
        kept = []
        slice_end = time.perf_counter() + YIELD_EVERY_S
        for index, item in enumerate(items):
            if evaluate(condition, {**scope, "item": item, "index": index}):
                kept.append(item)
            if time.perf_counter() > slice_end:  # each item has its own budget; a long list
                await asyncio.sleep(0)  # must still let the loop (and the step's timeout) in
                slice_end = time.perf_counter() + YIELD_EVERY_S
        return NodeResult({"items": kept, "count": len(kept)})


class LogConfig(NodeConfig):
    message: str = Field(description="What to log; may use {{ expressions }}")
    level: Literal["debug", "info", "warning", "error"] = "info"


class LogNode(NodeType[LogConfig]):
    type_name = "log"
    title = "Log"
    category = "Data"
    description = "Writes a line to the run's log and passes the input on."
    icon = "notes"
    config_model = LogConfig

    def config_problems(
        self, config: LogConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return template_fields("message", config.message)

    async def execute(self, ctx: StepContext, config: LogConfig, input: Any) -> NodeResult:
        message = render_config(config.message, ctx.scope(input))
        ctx.log(str(message), config.level)
        return NodeResult(input)
