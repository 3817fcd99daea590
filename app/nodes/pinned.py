"""The stand-in for a pinned node in a test run: it returns the pinned output at once.

Test runs (app.engine.test_runs) run a copy of the draft in which every pinned node is
replaced by this type, with the same id and ports, so downstream nodes read the pinned output
as `input` and `nodes.<id>` exactly as they would read the real one. The editor's palette leaves
it out, and a workflow a person wrote with it gets a problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.ports import Port
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.context import StepContext

PINNED_TYPE = "pinned"


class PinnedConfig(NodeConfig):
    pinned_type: str = Field(description="The type of the node this stands in for")
    output: Any = None
    port: str = "out"
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)


class PinnedNode(NodeType[PinnedConfig]):
    type_name = PINNED_TYPE
    title = "Pinned output"
    category = "Test"
    description = "Stands in for a pinned node in a test run."
    icon = "push_pin"
    config_model = PinnedConfig

    def input_ports(self, config: PinnedConfig) -> Sequence[Port]:
        return tuple(Port(name, "any") for name in config.inputs)

    def output_ports(self, config: PinnedConfig) -> Sequence[Port]:
        return tuple(Port(name, "any") for name in config.outputs or [config.port])

    def config_problems(
        self, config: PinnedConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        return [("pinned_type", "only test runs use pinned stand-ins; pin a node in the editor")]

    async def execute(self, ctx: StepContext, config: PinnedConfig, input: Any) -> NodeResult:
        return NodeResult(config.output, ports=(config.port,))
