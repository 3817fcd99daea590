"""Sub-workflow: runs a published workflow as a child run and waits for it durably.

A child that waits on a person leaves the parent sleeping too; canceling the parent cancels
the child. The child's output becomes this node's output; a failed child fails this step.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.templates import render_config
from app.nodes.base import NodeConfig, NodeResult, NodeType, WaitFor
from app.nodes.checks import template_fields
from app.nodes.context import StepContext


class SubworkflowConfig(NodeConfig):
    workflow: str = Field(min_length=1, description="The id of a published workflow")
    version: int | None = Field(None, ge=1, description="A version number (default: latest)")
    input: Any = Field(None, description="The child's input (default: this node's input)")


class SubworkflowNode(NodeType[SubworkflowConfig]):
    type_name = "subworkflow"
    title = "Sub-workflow"
    category = "Flow"
    description = "Runs another published workflow and waits for it to finish."
    icon = "account_tree"
    config_model = SubworkflowConfig

    def config_problems(
        self, config: SubworkflowConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return template_fields("input", config.input)

    async def execute(self, ctx: StepContext, config: SubworkflowConfig, input: Any) -> WaitFor:
        child_input = (
            input if config.input is None else render_config(config.input, ctx.scope(input))
        )
        return WaitFor(
            "child",
            child={"workflow_id": config.workflow, "version": config.version, "input": child_input},
        )

    def on_wake(self, config: SubworkflowConfig, input: Any, result: dict[str, Any]) -> NodeResult:
        return NodeResult(result.get("output"))
